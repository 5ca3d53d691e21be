// Which OCSF class and activity an Endor Labs audit log maps to. `spec.operation` is
// OPERATION_CREATE|UPDATE|DELETE|UPSERT|UNSPECIFIED for resource changes; authentication events use
// other values (USER_LOGIN, ...) and the message kind AuthenticationLog.
import { API_ACTIVITY } from '../../ocsf/ocsf-classes';

export const AUTHENTICATION = 3002;
export type EndorClassUid = typeof AUTHENTICATION | typeof API_ACTIVITY;

/** Captions as the OCSF 1.5.0 schema files give them (lib/ocsf/validator.ts checks them against the files). */
export const ENDOR_OCSF_CLASSES: Readonly<Record<EndorClassUid, { caption: string; categoryUid: number; categoryCaption: string }>> = {
  [AUTHENTICATION]: { caption: 'Authentication', categoryUid: 3, categoryCaption: 'Identity & Access Management' },
  [API_ACTIVITY]: { caption: 'API Activity', categoryUid: 6, categoryCaption: 'Application Activity' },
};

export interface EndorActivity {
  classUid: EndorClassUid;
  activityId: number;
  /** The schema's caption, or for 99 Other a name taken from the operation. */
  activityName: string;
  /** The operation as recorded (api.operation, message). */
  operation: string;
}

const API_ACTIVITIES: Readonly<Record<string, { id: number; caption: string }>> = {
  OPERATION_CREATE: { id: 1, caption: 'Create' },
  OPERATION_UPDATE: { id: 3, caption: 'Update' },
  OPERATION_UPSERT: { id: 3, caption: 'Update' },
  OPERATION_DELETE: { id: 4, caption: 'Delete' },
};

const LOGOFF = /LOG_?OUT|LOG_?OFF|SIGN_?OUT/;
const AUTH = /LOG_?IN|LOG_?ON|SIGN_?IN|AUTHENTICAT/;

/** "OPERATION_UNSPECIFIED" -> "Unspecified", "POLICY_EVALUATE" -> "Policy Evaluate". */
export function humanize(operation: string): string {
  const words = operation
    .replace(/^OPERATION_/, '')
    .split(/[_\s]+/)
    .filter(Boolean);
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(' ');
  return name === '' ? 'Other' : name;
}

export function endorActivity(operation: string | undefined, messageKind: string | undefined): EndorActivity {
  const op = operation && operation !== '' ? operation : 'OPERATION_UNSPECIFIED';
  const upper = op.toUpperCase();
  if (messageKind === 'AuthenticationLog' || AUTH.test(upper) || LOGOFF.test(upper)) {
    return LOGOFF.test(upper)
      ? { classUid: AUTHENTICATION, activityId: 2, activityName: 'Logoff', operation: op }
      : { classUid: AUTHENTICATION, activityId: 1, activityName: 'Logon', operation: op };
  }
  // Own entries only (the operation is the record's).
  const known = Object.hasOwn(API_ACTIVITIES, upper) ? API_ACTIVITIES[upper] : undefined;
  if (known) return { classUid: API_ACTIVITY, activityId: known.id, activityName: known.caption, operation: op };
  return { classUid: API_ACTIVITY, activityId: 99, activityName: humanize(op), operation: op };
}
