// How an integration's workflow is named: the API starts it, the worker's activities read the
// integration id back from it (e.g. for a workload identity federation subject).
export const EXPORT_WORKFLOW_TYPE = 'auditLogExportWorkflow';
export const workflowIdFor = (integrationId: string): string => `audit-log-export-${integrationId}`;
