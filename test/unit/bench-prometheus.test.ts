// The fan-out benchmark's lag figures come from the worker's Prometheus text: parsing it summed over
// label sets, the delta between two scrapes, and histogram_quantile's interpolation.
import { describe, expect, it } from 'vitest';
import { histogramDelta, quantile, readHistogram } from '../../bench/prometheus';

const scrape = (a: number[], b: number[]) => `# HELP auditflow_run_start_lag lag
# TYPE auditflow_run_start_lag histogram
auditflow_run_start_lag_bucket{task_queue="q",workflow_type="a",le="100"} ${a[0]}
auditflow_run_start_lag_bucket{task_queue="q",workflow_type="a",le="1000"} ${a[1]}
auditflow_run_start_lag_bucket{task_queue="q",workflow_type="a",le="+Inf"} ${a[2]}
auditflow_run_start_lag_sum{task_queue="q",workflow_type="a"} 500
auditflow_run_start_lag_count{task_queue="q",workflow_type="a"} ${a[2]}
auditflow_run_start_lag_bucket{task_queue="r",le="100"} ${b[0]}
auditflow_run_start_lag_bucket{task_queue="r",le="1000"} ${b[1]}
auditflow_run_start_lag_bucket{task_queue="r",le="+Inf"} ${b[2]}
auditflow_run_start_lag_count{task_queue="r"} ${b[2]}
auditflow_run_start_lagging_bucket{le="100"} 99
temporal_workflow_task_schedule_to_start_latency_bucket{le="100"} 7
`;

describe('bench/prometheus', () => {
  it('sums a histogram over its label sets and ignores other metrics', () => {
    const h = readHistogram(scrape([2, 6, 8], [0, 2, 2]), 'auditflow_run_start_lag');
    expect(h.count).toBe(10);
    expect(h.sum).toBe(500);
    expect(h.buckets).toEqual([
      { le: 100, count: 2 },
      { le: 1000, count: 8 },
      { le: Infinity, count: 10 },
    ]);
  });

  it('estimates quantiles inside the bucket, as histogram_quantile does', () => {
    const h = readHistogram(scrape([2, 6, 8], [0, 2, 2]), 'auditflow_run_start_lag');
    // rank 5 of 10: 3 of the 6 observations in (100, 1000] → 100 + 900 × 3/6
    expect(quantile(h, 0.5)).toBe(550);
    expect(quantile(h, 0.1)).toBe(50);
    // rank 9.9 lands in +Inf: the last finite bound
    expect(quantile(h, 0.99)).toBe(1000);
    expect(quantile(readHistogram('', 'auditflow_run_start_lag'), 0.5)).toBeUndefined();
  });

  it('keeps only what two scrapes saw between them', () => {
    const before = readHistogram(scrape([2, 6, 8], [0, 2, 2]), 'auditflow_run_start_lag');
    const after = readHistogram(scrape([2, 16, 18], [0, 2, 2]), 'auditflow_run_start_lag');
    const delta = histogramDelta(after, before);
    expect(delta.count).toBe(10);
    expect(delta.buckets.map((b) => b.count)).toEqual([0, 10, 10]);
    expect(quantile(delta, 0.5)).toBe(550);
  });
});
