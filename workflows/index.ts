// The workflow bundle's entry point: every workflow type the worker serves.
export { destinationClaimWorkflow } from './destination-claim';
export { auditLogExportWorkflow } from './export-workflow';
export { oneTimeExportWorkflow } from './one-time-export';
export { connectionTestWorkflow } from './connection-test';
