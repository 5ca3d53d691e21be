// Export progress as metrics, through the SDK's meter (Prometheus when the worker enables it),
// tagged by the SDK with namespace, task queue and activity type.
import { Context } from '@temporalio/activity';
import type { MetricCounter, MetricMeter } from '@temporalio/common';

type Counter = 'auditflow_events_fetched' | 'auditflow_events_exported' | 'auditflow_objects_written' | 'auditflow_objects_already_present';

const descriptions: Record<Counter, string> = {
  auditflow_events_fetched: 'New source events read by fetch',
  auditflow_events_exported: 'Events in objects written to the destination',
  auditflow_objects_written: 'Objects created at the destination',
  auditflow_objects_already_present: 'Retried writes answered 412: the object was already there',
};

const counters = new WeakMap<MetricMeter, Map<Counter, MetricCounter>>();

export function count(counter: Counter, value: number): void {
  if (value <= 0) return;
  let meter: MetricMeter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // not inside an activity (the benchmark's direct pipeline): nothing to report to
  }
  let byName = counters.get(meter);
  if (!byName) counters.set(meter, (byName = new Map()));
  let metric = byName.get(counter);
  if (!metric) byName.set(counter, (metric = meter.createCounter(counter, 'events', descriptions[counter])));
  metric.add(value);
}
