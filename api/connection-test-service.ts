// POST /v1/connection-tests on a worker: the API holds only the public sealing key, and an export's
// credentials are only ever opened where exports run (workflows/connection-test.ts says why).
// The test is a short workflow of one activity; once answered its execution is deleted, so nothing
// of the request stays in Temporal.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import type { Sealer } from '../lib/sealing';
import { CONNECTION_TEST_WORKFLOW_TYPE, connectionTestWorkflowId, type ConnectionTestInput, type ConnectionTestResult } from '../contracts/connection-test';
import type { connectionTestWorkflow } from '../workflows/connection-test';
import { expandPrefixTemplate } from '../workflows/object-names';
import { ApiError } from './errors';
import { connectionTestRequestSchema, type ConnectionTestRequest } from './schemas/connection-test';
import type { ApiSettings } from './settings';

/** Both probes give up after 30 s; a worker picks the task up within moments when one runs. */
const TEST_TIMEOUT_MS = 60_000;

/**
 * Where the destination's probe object goes: under the prefix, its %Y %m %d %H filled with `now`
 * (UTC) as an upload at that moment would fill them, so least privilege on the prefix covers it.
 */
const probeObjectNameFor = (prefix: string, uuid: string, now = new Date()): string =>
  `${expandPrefixTemplate(prefix, now.toISOString())}.auditflow/connection-test-${uuid}`;

export interface ConnectionTestServiceDeps {
  client: Client;
  settings: Pick<ApiSettings, 'taskQueue'>;
  log: Logger;
  sealer: Sealer;
}

export function createConnectionTestService({ client, settings, log, sealer }: ConnectionTestServiceDeps) {
  return {
    async test(body: ConnectionTestRequest): Promise<ConnectionTestResult> {
      const uuid = randomUUID();
      const sealed = await sealer.sealWriteOnly(body, connectionTestRequestSchema);
      const input: ConnectionTestInput = {
        ...(sealed.source ? { source: sealed.source } : {}),
        ...(sealed.destination ? { destination: sealed.destination, probeObjectName: probeObjectNameFor(sealed.destination.prefix, uuid) } : {}),
      };
      const workflowId = connectionTestWorkflowId(uuid);
      let result: ConnectionTestResult;
      try {
        result = await client.withDeadline(Date.now() + TEST_TIMEOUT_MS, () =>
          client.workflow.execute<typeof connectionTestWorkflow>(CONNECTION_TEST_WORKFLOW_TYPE, {
            taskQueue: settings.taskQueue,
            workflowId,
            args: [input],
            workflowExecutionTimeout: TEST_TIMEOUT_MS,
            staticSummary: `Connection test${body.source ? ` of the ${body.source.type} source` : ''}${body.destination ? ` of the ${body.destination.type} destination` : ''}`,
          }),
        );
      } catch (error) {
        log.warn({ err: error, workflowId }, 'connection test did not finish');
        throw new ApiError(503, 'worker_unavailable', `No worker ran the connection test within ${TEST_TIMEOUT_MS / 1000} s; check that the worker is running`);
      } finally {
        await deleteExecution(workflowId);
      }
      log.info({ workflowId, source: result.source?.ok, destination: result.destination?.ok }, 'connection tested');
      return result;
    },
  };

  /**
   * The request's sealed secrets were in the test's history: it is deleted once answered. Best effort
   * (the server deletes asynchronously, and on the dev server a few deletions of executions that had
   * just closed never happened); what stays holds only sealed secrets and goes with namespace retention.
   */
  async function deleteExecution(workflowId: string): Promise<void> {
    try {
      await client.withDeadline(Date.now() + 5_000, () =>
        client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId } }),
      );
    } catch (error) {
      log.warn({ err: error, workflowId }, 'could not delete the connection test workflow; namespace retention removes it');
    }
  }
}
export type ConnectionTestService = ReturnType<typeof createConnectionTestService>;
