// The integration whose upload is running, for credentials that are per integration (a workload
// identity subject): a destination's store is shared by every integration with the same config.
import { Context } from '@temporalio/activity';
import { workflowIdFor } from '../../contracts/workflow-ids';
import { ExportError } from '../errors';

/** The integration of the running activity: its workflow id is `audit-log-export-<integrationId>`. */
export function integrationIdOfActivity(): string {
  const prefix = workflowIdFor('');
  let workflowId = '';
  try {
    workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  } catch {
    // Not inside an activity.
  }
  if (!workflowId.startsWith(prefix)) {
    throw new ExportError('InvalidConfig', 'Workload identity needs the integration id; it is taken from the export workflow running the upload.', {
      retryable: false,
    });
  }
  return workflowId.slice(prefix.length);
}
