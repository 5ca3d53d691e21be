// Which API Activity a Cloud Audit Logs method is: the verb its name starts with, after the last dot.
// `v1.compute.instances.insert` → insert, `google.iam.admin.v1.CreateServiceAccountKey` → Create,
// `SetIamPolicy` → Set, `storage.objects.get` → get.

export interface ApiActivity {
  activityId: number;
  /** The schema's caption, or for 99 Other the method's own last segment. */
  activityName: string;
}

const ACTIVITIES: Readonly<Record<string, ApiActivity>> = {
  create: { activityId: 1, activityName: 'Create' },
  insert: { activityId: 1, activityName: 'Create' },
  get: { activityId: 2, activityName: 'Read' },
  list: { activityId: 2, activityName: 'Read' },
  update: { activityId: 3, activityName: 'Update' },
  patch: { activityId: 3, activityName: 'Update' },
  set: { activityId: 3, activityName: 'Update' },
  delete: { activityId: 4, activityName: 'Delete' },
};

/** The method's last dotted segment: `v1.compute.instances.insert` → `insert`. */
export const methodVerbPhrase = (methodName: string): string => methodName.slice(methodName.lastIndexOf('.') + 1);

/** The leading word of a camelCase or PascalCase name, lowercased: `CreateServiceAccountKey` → `create`. */
export function leadingVerb(phrase: string): string {
  return (/^[A-Za-z][a-z0-9]*/.exec(phrase)?.[0] ?? '').toLowerCase();
}

export function apiActivityOf(methodName: string | undefined): ApiActivity {
  if (!methodName) return { activityId: 99, activityName: 'Other' };
  const phrase = methodVerbPhrase(methodName);
  const verb = leadingVerb(phrase);
  // Own entries only: a method ending in `.constructor` is no verb of ours (and no Object.prototype member).
  return Object.hasOwn(ACTIVITIES, verb) ? ACTIVITIES[verb]! : { activityId: 99, activityName: phrase || 'Other' };
}
