// The chaos run's workers: started from a shell that sets a worker's metrics or health port, two workers
// at once bound the same port and the second exited with code 1 at every restart ("self-exits").
import { afterEach, describe, expect, it } from 'vitest';
import { chaosWorkerEnv, droppedPortSettings, LastErrorLine, lastWords } from '../../bench/chaos-worker-process';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const options = {
  address: '127.0.0.1:7233',
  namespace: 'auditflow',
  taskQueue: 'chaos-q',
  encryptionKeys: 'k1:abc',
  sourceEnv: { AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE: '400' },
  oidcSigningKeys: '[]',
};

describe('chaos worker environment', () => {
  it('leaves out fixed listener ports from the caller, so two workers on one host both start', () => {
    process.env.AUDITFLOW_METRICS_PORT = '9464';
    process.env.AUDITFLOW_HEALTH_PORT = '9465';
    process.env.AUDITFLOW_SDK_LOG_LEVEL = 'WARN';
    const first = chaosWorkerEnv(options);
    const second = chaosWorkerEnv(options);
    for (const env of [first, second]) {
      expect(env.AUDITFLOW_METRICS_PORT).toBeUndefined();
      expect(env.AUDITFLOW_HEALTH_PORT).toBeUndefined();
      // Everything else still comes from the caller, and the run's own settings are there.
      expect(env.AUDITFLOW_SDK_LOG_LEVEL).toBe('WARN');
      expect(env.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
      expect(env.AUDITFLOW_TASK_QUEUE).toBe('chaos-q');
      expect(env.AUDITFLOW_ENCRYPTION_KEYS).toBe('k1:abc');
      expect(env.AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE).toBe('400');
      expect(env.AUDITFLOW_OIDC_SIGNING_KEYS).toBe('[]');
    }
    expect(droppedPortSettings()).toEqual(['AUDITFLOW_METRICS_PORT', 'AUDITFLOW_HEALTH_PORT']);
  });

  it('says nothing was left out when the caller set no port', () => {
    delete process.env.AUDITFLOW_METRICS_PORT;
    delete process.env.AUDITFLOW_HEALTH_PORT;
    expect(droppedPortSettings()).toEqual([]);
  });
});

describe('why a chaos worker exited', () => {
  it("names the worker's fatal log line, not the lines after it", () => {
    const last = new LastErrorLine();
    // As seen in worker-2.log of a reduced gcp-audit-logs run started with AUDITFLOW_METRICS_PORT set.
    last.push('{"level":30,"msg":"tracing: off"}\n{"level":50,"msg":"worker failed","err":{"type":"Error","message":"Failed to start ');
    last.push('prometheus metrics exporter: Address already in use (os error 98)"}}\n');
    last.push('\x1b[2m2026-12-02T15:44:14Z\x1b[0m \x1b[33m WARN\x1b[0m temporalio_client::retry: retried\n');
    expect(last.summary).toBe('worker failed: Failed to start prometheus metrics exporter: Address already in use (os error 98)');
  });

  it('names an uncaught error or a V8 fatal error, not its stack or the Node.js version line', () => {
    const last = new LastErrorLine();
    last.push('{"level":30,"msg":"worker started"}\nError: boom\n    at main (worker/main.ts:1:1)\n\nNode.js v24.21.0\n');
    expect(last.summary).toBe('Error: boom');
    const oom = new LastErrorLine();
    oom.push('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    expect(oom.summary).toContain('JavaScript heap out of memory');
  });

  it('has nothing to say for a worker that logged no error', () => {
    const last = new LastErrorLine();
    last.push('{"level":30,"msg":"worker started"}\n');
    expect(last.summary).toBeUndefined();
    expect(lastWords('{"level":50,"msg":"worker failed"}')).toBe('worker failed');
  });
});
