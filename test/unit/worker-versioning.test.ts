// Which version a worker is, and when `AUDITFLOW_SET_CURRENT_VERSION=auto` lets it become current.
import { describe, expect, it } from 'vitest';
import { AUDITFLOW_VERSION } from '../../lib/version';
import { promotionDecision, workerDeploymentVersion } from '../../lib/worker-versioning';

const at = (iso: string) => ({ seconds: Math.floor(Date.parse(iso) / 1000), nanos: 0 });
/** A deployment whose current version is `current`, last routed at `changed`, with versions first polled at the times given. */
const deployment = (current: string | undefined, changed: string | undefined, versions: Record<string, string>, ramped?: string) => ({
  routingConfig: {
    currentDeploymentVersion: current ? { deploymentName: 'auditflow', buildId: current } : null,
    currentVersionChangedTime: changed ? at(changed) : null,
    rampingVersionChangedTime: ramped ? at(ramped) : null,
  },
  versionSummaries: Object.entries(versions).map(([buildId, created]) => ({
    deploymentVersion: { deploymentName: 'auditflow', buildId },
    createTime: at(created),
  })),
});
const mine = { deploymentName: 'auditflow', buildId: '1.1.0' };
const DAY1 = '2026-01-01T00:00:00Z';
const DAY2 = '2026-01-02T00:00:00Z';
const DAY3 = '2026-01-03T00:00:00Z';

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
    expect(promotionDecision(deployment(undefined, undefined, { '1.1.0': DAY2 }), mine)).toEqual({ promote: true, reason: 'no current version' });
  });

  it('takes over from the version current before it first polled: a roll-out', () => {
    const info = deployment('1.0.0', DAY1, { '1.0.0': DAY1, '1.1.0': DAY2 });
    expect(promotionDecision(info, mine)).toEqual({ promote: true, reason: 'takes over from 1.0.0' });
  });

  it('leaves alone what was decided after it first polled: a restarted old worker, a roll-back, a ramp', () => {
    // 1.2.0 rolled out after 1.1.0 came up: a restarted 1.1.0 worker does not take work back.
    expect(promotionDecision(deployment('1.2.0', DAY3, { '1.1.0': DAY2, '1.2.0': DAY3 }), mine).promote).toBe(false);
    // An operator rolled back from 1.1.0 to 1.0.0: a restarted 1.1.0 worker does not undo it.
    expect(promotionDecision(deployment('1.0.0', DAY3, { '1.0.0': DAY1, '1.1.0': DAY2 }), mine)).toEqual({
      promote: false,
      reason: 'the routing changed after this version first polled (current: 1.0.0); an operator decides',
    });
    // An operator ramps 1.1.0: the ramp stands.
    expect(promotionDecision(deployment('1.0.0', DAY1, { '1.0.0': DAY1, '1.1.0': DAY2 }, DAY3), mine).promote).toBe(false);
    expect(promotionDecision(deployment('1.1.0', DAY2, { '1.1.0': DAY2 }), mine)).toEqual({ promote: false, reason: 'already current' });
  });
});
