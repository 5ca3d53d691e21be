// A source that keeps failing shows `retrying` through the API too. In its own file: the replays in
// failing-source.test.ts run in the SDK's debug mode, whose promise hook stays on that test process and
// threw on this harness's promises ("reading 'constructor'" in getActivator) when both shared a file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationDetail } from '../../api/schemas/integration';
import { integrationBody, startApiHarness, waitForIntegration, type ApiHarness } from '../helpers/api';
import { createTestBucket } from '../helpers/gcs';

describe('a failing source through the API', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startApiHarness({ worker: true });
  });
  afterAll(async () => harness?.close());

  it('GET /v1/integrations/:id shows `retrying` while the source fails, and not once it recovers', async () => {
    const mondoo = harness.mondoo!;
    mondoo.faults.setPolicy({ rate: 1, kinds: ['5xx'] });
    try {
      const created = await harness.request<IntegrationDetail>('POST', '/v1/integrations', {
        body: integrationBody({ bucket: await createTestBucket(), mondoo }),
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const failing = await waitForIntegration(harness, id, (d) => d.retrying !== undefined, 60_000);
      expect(failing.status).toBe('active');
      expect(failing.retrying).toMatchObject({
        attempt: expect.any(Number),
        message: expect.stringMatching(/Mondoo API unavailable/),
        since: expect.any(String),
      });

      mondoo.faults.reset();
      const recovered = await waitForIntegration(harness, id, (d) => d.lastRun?.outcome === 'completed');
      expect(recovered.retrying).toBeUndefined();
      await harness.request('DELETE', `/v1/integrations/${id}`);
    } finally {
      mondoo.faults.reset();
    }
  });
});
