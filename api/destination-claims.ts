// Which integration may write to a destination. Object names are `<prefix><scope>-audit-logs-<from>-<to>.jsonl`
// with sequence numbers per integration, so two integrations writing the same names would overwrite
// each other's ranges from their first file on. A claim is a workflow (workflows/destination-claim.ts)
// whose id is derived from the normalized destination, started with workflowIdConflictPolicy FAIL:
// of any number of concurrent creates, Temporal lets exactly one start it. The claim outlives the
// integration's deletion (its objects stay) until someone releases it on purpose.
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import { IntegrationIdAttribute } from '../workflows/definitions';
import { DESTINATION_CLAIM_WORKFLOW_TYPE, destinationClaimWorkflowId, type destinationClaimWorkflow } from '../workflows/destination-claim';
import { ApiError } from './errors';

/** Where an integration writes: enough to know which object names it will create. */
export interface DestinationPlace {
  /** The store and bucket, spelled one way by the sink connector (SinkConnector.location). */
  namespace: string[];
  prefix: string;
  /** The source connector's scope in object names. */
  scopeSlug: string;
  /** For messages: the scope as a person knows it, and where objects land (e.g. `gs://bucket/`). */
  scopeId: string;
  objectUrlBase: string;
  /** For messages: a custom endpoint of the store, if any. */
  endpoint?: string;
}

/**
 * The API ends a claim by terminating it: the destination is free the moment the request is answered,
 * with or without a worker. (A person may also send the claim workflow its `release` signal.)
 */
const RELEASED = 'destination released on request (DELETE /v1/integrations/<id>?releaseDestination=true)';
/** The claim's memo key: the integration holding the destination. */
const HOLDER_MEMO_KEY = 'holder';
/**
 * The identity of a destination: the server, the bucket and the stem every object name starts with.
 * Comparing the stem (prefix and scope together) also catches two different scopes and prefixes that
 * spell the same names ("p/" + "org-org-x" and "p/org-" + "org-x").
 */
export function destinationKey(place: DestinationPlace): string {
  const stem = `${place.prefix}${place.scopeSlug}-audit-logs-`;
  return createHash('sha256')
    .update(JSON.stringify([...place.namespace, stem]))
    .digest('hex');
}

export const claimWorkflowIdFor = (place: DestinationPlace): string => destinationClaimWorkflowId(destinationKey(place));

/** Runs one Temporal call under the API's deadline. */
export type TemporalCall = <R>(fn: () => Promise<R>) => Promise<R>;

export interface DestinationClaimsDeps {
  client: Client;
  taskQueue: string;
  log: Logger;
  call: TemporalCall;
}

export function createDestinationClaims({ client, taskQueue, log, call }: DestinationClaimsDeps) {
  const handleOf = (workflowId: string) => client.workflow.getHandle<typeof destinationClaimWorkflow>(workflowId);

  /** The integration holding a running claim, or undefined when the claim is not running. */
  async function holderOf(workflowId: string): Promise<{ holder: string; runId: string } | undefined> {
    try {
      const description = await call(() => handleOf(workflowId).describe());
      if (description.status.name !== 'RUNNING') return undefined;
      const holder = description.memo?.[HOLDER_MEMO_KEY];
      return { holder: typeof holder === 'string' ? holder : '(unknown)', runId: description.runId };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  return {
    /**
     * Claims `place` for `integrationId`, or throws 409 destination_in_use naming the holder. Claiming
     * again for the same integration succeeds (a create retried with the same Idempotency-Key).
     */
    async claim(place: DestinationPlace, integrationId: string): Promise<string> {
      const workflowId = claimWorkflowIdFor(place);
      for (let attempt = 1; ; attempt++) {
        try {
          await call(() =>
            client.workflow.start<typeof destinationClaimWorkflow>(DESTINATION_CLAIM_WORKFLOW_TYPE, {
              taskQueue,
              workflowId,
              // FAIL: a running claim is never taken over. ALLOW_DUPLICATE: a released one may be claimed anew.
              workflowIdConflictPolicy: 'FAIL',
              workflowIdReusePolicy: 'ALLOW_DUPLICATE',
              memo: { [HOLDER_MEMO_KEY]: integrationId },
              typedSearchAttributes: [{ key: IntegrationIdAttribute, value: integrationId }],
              staticSummary: `Destination claim of integration ${integrationId}`,
              staticDetails: `Integration ${integrationId} writes ${place.scopeId} to ${place.objectUrlBase}${place.prefix}${place.endpoint ? ` at ${place.endpoint}` : ''}. Released only on request (DELETE /v1/integrations/${integrationId}?releaseDestination=true).`,
            }),
          );
          return workflowId;
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          const held = await holderOf(workflowId);
          if (held?.holder === integrationId) return workflowId;
          // Released between our start and our look: try once more.
          if (!held && attempt < 3) continue;
          throw new ApiError(
            409,
            'destination_in_use',
            `Integration ${held?.holder ?? '(unknown)'} already exports to ${place.objectUrlBase}${place.prefix} with the same object names (scope ${place.scopeId}); ` +
              'choose another prefix, or release the destination of that integration with DELETE /v1/integrations/<id>?releaseDestination=true once its objects are moved away.',
          );
        }
      }
    },

    /** Ends `integrationId`'s claim on `place`; false when it holds none there (never released, or already). */
    async release(place: DestinationPlace, integrationId: string): Promise<boolean> {
      const workflowId = claimWorkflowIdFor(place);
      const held = await holderOf(workflowId);
      if (held?.holder !== integrationId) return false;
      try {
        await call(() => client.workflow.getHandle(workflowId, held.runId).terminate(RELEASED));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
      log.info({ integrationId, claim: workflowId }, 'destination released');
      return true;
    },

    /** Ends every running claim of `integrationId` (found through visibility): for a create that failed midway. */
    async releaseAllOf(integrationId: string): Promise<number> {
      const query = `WorkflowType = "${DESTINATION_CLAIM_WORKFLOW_TYPE}" AND ${IntegrationIdAttribute.name} = "${integrationId}" AND ExecutionStatus = "Running"`;
      const found = await call(async () => {
        const infos = [];
        for await (const info of client.workflow.list({ query })) infos.push(info);
        return infos;
      });
      for (const info of found) await call(() => client.workflow.getHandle(info.workflowId, info.runId).terminate(RELEASED));
      if (found.length > 0) log.info({ integrationId, claims: found.length }, 'destination released');
      return found.length;
    },
  };
}
