// The root user of the integration run's S3 server (fixed: the server is local to the run and holds
// nothing else). Apart from test/helpers/s3.ts so the global setup imports no vitest runtime.
export const S3_ROOT_CREDENTIALS = { accessKeyId: 'auditflow-test-root', secretAccessKey: 'auditflow-test-root-secret-d8Kq2vXw' };
