// Temporal Worker Deployment Versioning: which version a worker is, and making it the deployment's
// current version. Temporal routes new workflows, and the next task of every auto-upgrade workflow, to
// the current version; a version that is not current gets only the workflows pinned to it. See
// docs/operations.md#upgrades for the procedure this supports.
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { settingsFrom } from './settings';

/** This worker's deployment version, or undefined for an unversioned worker (AUDITFLOW_WORKER_VERSIONING=0). */
export function workerDeploymentVersion(env: NodeJS.ProcessEnv = process.env): WorkerDeploymentVersion | undefined {
  const settings = settingsFrom(env);
  if (settings.AUDITFLOW_WORKER_VERSIONING === '0') return undefined;
  return { deploymentName: settings.AUDITFLOW_DEPLOYMENT_NAME, buildId: settings.AUDITFLOW_BUILD_ID };
}

/** How Temporal and its CLI write a version: `<deployment>.<build id>`. */
export const versionName = (version: WorkerDeploymentVersion): string => `${version.deploymentName}.${version.buildId}`;

/** A protobuf Timestamp; `seconds` is a Long there. */
type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

/** The part of a described deployment (IWorkerDeploymentInfo) the decision reads. */
interface DeploymentInfo {
  routingConfig?: {
    currentDeploymentVersion?: { buildId?: string | null } | null;
    currentVersionChangedTime?: Timestamp;
    rampingVersionChangedTime?: Timestamp;
    rampingVersionPercentageChangedTime?: Timestamp;
  } | null;
  versionSummaries?: Array<{ deploymentVersion?: { buildId?: string | null } | null; createTime?: Timestamp }> | null;
}

const millis = (time: Timestamp): number | undefined => {
  const seconds = time?.seconds;
  if (seconds == null) return undefined;
  return (typeof seconds === 'number' ? seconds : seconds.toNumber()) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
};

export type PromotionDecision = { promote: true; reason: string } | { promote: false; reason: string };

/**
 * `auto` promotion: a worker makes its version current unless the deployment's routing (its current or
 * ramping version) changed after its version first polled. So a new build takes over from whatever was
 * decided before it came up (a first install, a roll-out, workers that ran unversioned until now), while
 * what was decided since stands: an old worker restarted after a roll-out does not pull running
 * workflows back onto code that cannot replay their new history, and a newer worker restarted after an
 * operator's roll-back or ramp does not undo it.
 */
export function promotionDecision(info: DeploymentInfo | null | undefined, mine: WorkerDeploymentVersion): PromotionDecision {
  const routing = info?.routingConfig;
  const current = routing?.currentDeploymentVersion?.buildId || undefined;
  if (current === mine.buildId) return { promote: false, reason: 'already current' };
  const mineSince = millis(info?.versionSummaries?.find((s) => s.deploymentVersion?.buildId === mine.buildId)?.createTime);
  if (mineSince === undefined) return { promote: false, reason: 'the server does not say when this version first polled' };
  const changes = [routing?.currentVersionChangedTime, routing?.rampingVersionChangedTime, routing?.rampingVersionPercentageChangedTime]
    .map(millis)
    .filter((t): t is number => t !== undefined);
  const lastChange = Math.max(0, ...changes);
  if (lastChange > mineSince) {
    return { promote: false, reason: `the routing changed after this version first polled (current: ${current ?? 'unversioned'}); an operator decides` };
  }
  return { promote: true, reason: current ? `takes over from ${current}` : 'no current version' };
}

export interface PromoteOptions {
  connection: Connection;
  namespace: string;
  version: WorkerDeploymentVersion;
  /** `auto` decides with promotionDecision; `always` sets it whatever is current (tests, an operator's tooling). */
  mode?: 'auto' | 'always';
  log?: Pick<Logger, 'info' | 'warn'>;
  identity?: string;
  /** How long to wait for the server to have seen this version's pollers. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Makes `version` the deployment's current version, as `promotionDecision` allows. The server refuses
 * until it has seen a poller of the version (the worker must be running), so this retries until then.
 * Returns whether it changed the current version.
 */
export async function promoteWorkerVersion(options: PromoteOptions): Promise<boolean> {
  const { connection, namespace, version, log } = options;
  const service = connection.workflowService;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      const described = await describeDeployment(connection, namespace, version.deploymentName);
      const known = described?.workerDeploymentInfo?.versionSummaries?.some((s) => s.deploymentVersion?.buildId === version.buildId);
      if (known) {
        const decision: PromotionDecision =
          options.mode === 'always' ? { promote: true, reason: 'asked to' } : promotionDecision(described?.workerDeploymentInfo, version);
        if (!decision.promote) {
          log?.info({ version: versionName(version), reason: decision.reason }, 'worker version not made current');
          return false;
        }
        await service.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          // Fails if someone changed the deployment since we looked: then we look again.
          conflictToken: described?.conflictToken ?? undefined,
          identity: options.identity ?? 'auditflow worker',
        });
        log?.info({ version: versionName(version), reason: decision.reason }, 'worker version is now current');
        return true;
      }
    } catch (error) {
      if (Date.now() >= deadline || options.signal?.aborted) throw error;
    }
    if (Date.now() >= deadline) {
      // Also what a server without Worker Deployments (or with them disabled) looks like: it never
      // registers the version, and it gives a versioned worker no task either.
      throw new Error(
        `Temporal has not registered worker version ${versionName(version)} although its worker polls: does the server support Worker Deployments (Temporal 1.28 or later, enabled for the namespace)? If not, set AUDITFLOW_WORKER_VERSIONING=0`,
      );
    }
    if (options.signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2_000)));
  }
}

/** The deployment as the server describes it, or undefined before any of its workers polled. */
export async function describeDeployment(
  connection: Connection,
  namespace: string,
  deploymentName: string,
): Promise<temporal.api.workflowservice.v1.IDescribeWorkerDeploymentResponse | undefined> {
  try {
    return await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  } catch (error) {
    if ((error as { code?: number }).code === 5 /* NOT_FOUND */) return undefined;
    throw error;
  }
}
