// Reads one histogram from a Prometheus text exposition (the worker's /metrics), summed over its label
// sets, and estimates quantiles from it the way Prometheus' histogram_quantile does (linear inside the
// bucket), so the figures the bench reports are the ones an operator's dashboard would show.

export interface Histogram {
  /** Cumulative counts per upper bound (ms), ascending, +Inf last. */
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

export function readHistogram(text: string, name: string): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^(\w+?)(_bucket|_count|_sum)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const value = Number(match[4]);
    if (match[2] === '_count') count += value;
    else if (match[2] === '_sum') sum += value;
    else {
      const le = /(?:^|,)le="([^"]+)"/.exec(match[3] ?? '')?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
    }
  }
  const buckets = [...byLe].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { buckets, count, sum };
}

/** `later` minus `earlier`: what was observed between two scrapes of the same process. */
export function histogramDelta(later: Histogram, earlier: Histogram): Histogram {
  const before = new Map(earlier.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: later.buckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) })),
    count: later.count - earlier.count,
    sum: later.sum - earlier.sum,
  };
}

/** The q-quantile (0..1); undefined without observations. Past the last finite bound: that bound. */
export function quantile(histogram: Histogram, q: number): number | undefined {
  if (histogram.count <= 0 || histogram.buckets.length === 0) return undefined;
  const rank = q * histogram.count;
  let lower = 0;
  let below = 0;
  for (const { le, count } of histogram.buckets) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      const inBucket = count - below;
      return inBucket > 0 ? lower + ((le - lower) * (rank - below)) / inBucket : le;
    }
    lower = le;
    below = count;
  }
  return lower;
}
