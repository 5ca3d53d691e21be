// Which OCSF class and activity each Mondoo audit action maps to. Mirrors the table in Mondoo's own
// "Continuously Export Audit Logs" documentation; activity ids are the ones the OCSF 1.5.0 class
// files define (Account Change deletes are 6, Entity Management / API Activity deletes are 4).
import {
  ACCOUNT_CHANGE,
  ACCOUNT_CHANGE_DELETE,
  ACTIVITY_CREATE,
  ACTIVITY_DELETE,
  ACTIVITY_OTHER,
  ACTIVITY_UPDATE,
  API_ACTIVITY,
  ENTITY_MANAGEMENT,
  type OcsfClassUid,
} from '../../ocsf/ocsf-classes';

export interface OcsfClassForAction {
  classUid: OcsfClassUid;
  activityId: number;
}

export interface MondooActionMapping extends OcsfClassForAction {
  /** Entity Management only: the managed_entity `type` label for the affected resource. */
  entityType?: string;
}

/** Mondoo action names carry this prefix; the table is keyed without it. */
const ACTION_PREFIX = 'mondoo.';

const membership = (activityId: number): MondooActionMapping => ({ classUid: ACCOUNT_CHANGE, activityId });
const entity = (entityType: string, activityId: number): MondooActionMapping => ({ classUid: ENTITY_MANAGEMENT, activityId, entityType });
const api = (activityId: number): MondooActionMapping => ({ classUid: API_ACTIVITY, activityId });

/** Create/Update/Delete<Noun> actions on one service, all Entity Management. */
function crud(service: string, noun: string, entityType: string): Record<string, MondooActionMapping> {
  return {
    [`${service}.Create${noun}`]: entity(entityType, ACTIVITY_CREATE),
    [`${service}.Update${noun}`]: entity(entityType, ACTIVITY_UPDATE),
    [`${service}.Delete${noun}`]: entity(entityType, ACTIVITY_DELETE),
  };
}

const ACTION_CLASSES: ReadonlyMap<string, MondooActionMapping> = new Map(
  Object.entries({
    'captain.Captain.SetOrganizationMembership': membership(ACTIVITY_CREATE),
    'captain.Captain.SetSpaceMembership': membership(ACTIVITY_CREATE),
    'captain.Captain.RemoveOrganizationMembership': membership(ACCOUNT_CHANGE_DELETE),
    'captain.Captain.RemoveSpaceMembership': membership(ACCOUNT_CHANGE_DELETE),
    ...crud('agents.AgentManager', 'ServiceAccount', 'Service Account'),
    'agents.AgentManager.RegisterAgent': entity('Agent', ACTIVITY_CREATE),
    'agents.AgentManager.UnregisterAgent': entity('Agent', ACTIVITY_DELETE),
    ...crud('captain.Captain', 'Space', 'Space'),
    ...crud('captain.Captain', 'Organization', 'Organization'),
    ...crud('captain.Captain', 'Integration', 'Integration'),
    'policy.PolicyResolver.AssignPolicy': api(ACTIVITY_CREATE),
    'policy.PolicyResolver.Assign': api(ACTIVITY_CREATE),
    'policy.PolicyResolver.UnassignPolicy': api(ACTIVITY_DELETE),
    'policy.PolicyResolver.Unassign': api(ACTIVITY_DELETE),
    'policy.PolicyHub.SetBundle': api(ACTIVITY_UPDATE),
  }),
);

/** Every action the table maps explicitly, without the `mondoo.` prefix (for tests and docs). */
export const MAPPED_MONDOO_ACTIONS: readonly string[] = [...ACTION_CLASSES.keys()];

/**
 * Class, activity and entity type for a Mondoo action, with or without its `mondoo.` prefix.
 * Anything not in the table (Login, TriggerAction, unknown future actions, ...) is API Activity /
 * 99 Other, so new Mondoo actions still export instead of failing.
 */
export function mondooActionMapping(action: string): MondooActionMapping {
  const key = action.startsWith(ACTION_PREFIX) ? action.slice(ACTION_PREFIX.length) : action;
  return ACTION_CLASSES.get(key) ?? api(ACTIVITY_OTHER);
}

/** Just the class and activity of an action (what the table in the docs shows). */
export function ocsfClassForAction(action: string): OcsfClassForAction {
  const { classUid, activityId } = mondooActionMapping(action);
  return { classUid, activityId };
}
