// Which version a worker is, and when `AUDITFLOW_SET_CURRENT_VERSION=auto` lets it become current.
import { describe, expect, it } from 'vitest';
import { AUDITFLOW_VERSION } from '../../lib/version';
import { promotionDecision, workerDeploymentVersion } from '../../lib/worker-versioning';

const at = (iso: string) => ({ seconds: Math.floor(Date.parse(iso) / 1000), nanos: 0 });
const deployment = (current: string | undefined, versions: Record<string, string>) => ({
  routingConfig: { currentDeploymentVersion: current ? { deploymentName: 'auditflow', buildId: current } : null },
  versionSummaries: Object.entries(versions).map(([buildId, created]) => ({
    deploymentVersion: { deploymentName: 'auditflow', buildId },
    createTime: at(created),
  })),
});
const mine = { deploymentName: 'auditflow', buildId: '1.1.0' };

describe('worker deployment version', () => {
  it('is auditflow.<package version> by default, the settings otherwise, and none with versioning off', () => {
    expect(workerDeploymentVersion({})).toEqual({ deploymentName: 'auditflow', buildId: AUDITFLOW_VERSION });
    expect(workerDeploymentVersion({ AUDITFLOW_DEPLOYMENT_NAME: 'exports', AUDITFLOW_BUILD_ID: 'git-4f2a9c1' })).toEqual({
      deploymentName: 'exports',
      buildId: 'git-4f2a9c1',
    });
    expect(workerDeploymentVersion({ AUDITFLOW_WORKER_VERSIONING: '0' })).toBeUndefined();
    expect(() => workerDeploymentVersion({ AUDITFLOW_DEPLOYMENT_NAME: 'audit.flow' })).toThrow(/AUDITFLOW_DEPLOYMENT_NAME/);
  });

  it('becomes current when the deployment has none (first install, or workers that ran unversioned)', () => {
    expect(promotionDecision(undefined, mine)).toEqual({ promote: true, reason: 'no current version' });
    expect(promotionDecision(deployment(undefined, { '1.1.0': '2026-01-02T00:00:00Z' }), mine).promote).toBe(true);
  });

  it('takes over from an older version: a roll-out', () => {
    const info = deployment('1.0.0', { '1.0.0': '2026-01-01T00:00:00Z', '1.1.0': '2026-01-02T00:00:00Z' });
    expect(promotionDecision(info, mine)).toEqual({ promote: true, reason: 'current version is older' });
  });

  it('never takes work back from a newer version: an old worker restarted after a roll-out', () => {
    const info = deployment('1.2.0', { '1.1.0': '2026-01-02T00:00:00Z', '1.2.0': '2026-01-03T00:00:00Z' });
    expect(promotionDecision(info, mine)).toEqual({ promote: false, reason: 'the current version 1.2.0 is newer' });
    expect(promotionDecision(deployment('1.1.0', { '1.1.0': '2026-01-02T00:00:00Z' }), mine).promote).toBe(false);
    // Without both creation times it cannot tell, so it leaves the deployment alone.
    expect(promotionDecision(deployment('1.2.0', { '1.1.0': '2026-01-02T00:00:00Z' }), mine).promote).toBe(false);
  });
});
