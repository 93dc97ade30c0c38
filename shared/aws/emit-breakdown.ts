/** Emitting a breakdown metric of the list in bridge-metrics.ts through Powertools Metrics. */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricDefinition } from './bridge-metrics.ts';

/**
 * Emits a breakdown: one EMF record per value of `definition.by`, each with `dimensions` (those a
 * single-metric record does not inherit, like the poller's `Tenant`). Powertools puts one
 * dimension set on a whole flush, so each value is its own single-metric record.
 */
export function emitBreakdown(
  metrics: Metrics,
  definition: MetricDefinition,
  dimensions: Readonly<Record<string, string>>,
  values: Readonly<Record<string, number>>,
): void {
  if (!definition.by) throw new Error(`${definition.name} is not a breakdown`);
  for (const [value, count] of Object.entries(values)) {
    const single = metrics.singleMetric();
    single.addDimensions({ ...dimensions, [definition.by]: value });
    single.addMetric(definition.name, MetricUnit.Count, count);
  }
}
