/**
 * Lambda: the scheduled coverage sweep (**adapter** -> use case -> domain). Stores no backup event
 * shows covered within `BACKUP_RPO_HOURS` are checked against AWS Backup's recovery points: tagged
 * `Unprotected` only when AWS Backup has none within the RPO and the bridge has watched the store
 * for one RPO; untagged when covered again; reported unknown when AWS Backup cannot be asked.
 * Until the token secret holds a token, no sweep is attempted: the run says so once, counts
 * `TokenNotSet`, and ends normally.
 */
import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { inventoryFromConfig } from '#shared/aws/backup-inventory.ts';
import { COVERAGE_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { reportTokenNotSet } from '#shared/aws/token-not-set.ts';
import { type SweepReport, sweepCoverage } from '#shared/backup/sweep-coverage.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { tokenNotSet } from '#shared/dspm/token-provider.ts';
import { createTaggerWiring } from '#shared/roots/tagger-runtime.ts';

const SERVICE = 'dspm-bridge-coverage';

/** What an invocation returns. */
export type SweepInvocationResult = SweepRunResult | { readonly status: 'token-not-set' };

/** What a sweep that ran returns. */
export interface SweepRunResult {
  readonly status: 'completed';
  readonly sweepId: string;
  readonly storesChecked: number;
  readonly tagged: number;
  readonly untagged: number;
  readonly deferred: number;
  /** Stores per coverage state after the sweep. */
  readonly coverage: SweepReport['coverage'];
  /** Stores the inventory could not be asked about (reported unknown, never tagged). */
  readonly inventoryUnavailable: number;
}

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createSweepHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const { runtime, ports, settings } = createTaggerWiring(env, {
    aws: createAwsClients(tracer),
    logger,
    clock: systemClock,
  });
  const inventory = inventoryFromConfig(runtime.taggerConfig.inventory, {
    clock: systemClock,
    capture: (client) => tracer.captureAWSv3Client(client),
  });

  const sweep = async (_event: unknown, _context: Context): Promise<SweepInvocationResult> => {
    const notSet = await tokenNotSet(runtime.tokens);
    if (notSet) {
      reportTokenNotSet(notSet, tools, 'coverage sweep skipped');
      return { status: 'token-not-set' };
    }
    const report = await sweepCoverage(
      { ...ports, inventory },
      settings,
      runtime.taggerConfig.sweep,
      randomUUID(),
    );
    const tagged = report.decisions.filter(
      (d) => d.outcome?.status === 'applied' && d.outcome.tagAction === 'added',
    ).length;
    const untagged = report.decisions.filter(
      (d) => d.outcome?.status === 'applied' && d.outcome.tagAction === 'removed',
    ).length;
    metrics.addMetric(COVERAGE_METRICS.storesChecked.name, MetricUnit.Count, report.storesChecked);
    metrics.addMetric(COVERAGE_METRICS.tagged.name, MetricUnit.Count, tagged);
    metrics.addMetric(COVERAGE_METRICS.untagged.name, MetricUnit.Count, untagged);
    metrics.addMetric(COVERAGE_METRICS.deferred.name, MetricUnit.Count, report.deferred);
    // NoCompletedSweep alarms when this is missing for two sweep intervals.
    metrics.addMetric(COVERAGE_METRICS.sweepsCompleted.name, MetricUnit.Count, 1);
    // Gauges: where the first tenant's stores stand once this sweep's decisions apply.
    metrics.addMetric(COVERAGE_METRICS.protected.name, MetricUnit.Count, report.coverage.protected);
    metrics.addMetric(COVERAGE_METRICS.unprotected.name, MetricUnit.Count, report.coverage.unprotected);
    metrics.addMetric(COVERAGE_METRICS.unknown.name, MetricUnit.Count, report.coverage.unknown);
    metrics.addMetric(COVERAGE_METRICS.excluded.name, MetricUnit.Count, report.coverage.excluded);
    metrics.addMetric(
      COVERAGE_METRICS.inventoryUnavailable.name,
      MetricUnit.Count,
      report.inventoryUnavailable,
    );
    logger.info('coverage sweep completed', {
      sweepId: report.sweepId,
      checked: report.storesChecked,
      tagged,
      untagged,
      deferred: report.deferred,
      coverage: report.coverage,
      inventory: report.inventory,
      inventoryLookups: report.inventoryLookups,
      inventoryUnavailable: report.inventoryUnavailable,
    });
    return {
      status: 'completed',
      sweepId: report.sweepId,
      storesChecked: report.storesChecked,
      tagged,
      untagged,
      deferred: report.deferred,
      coverage: report.coverage,
      inventoryUnavailable: report.inventoryUnavailable,
    };
  };

  return withObservability(sweep, tools);
}

/** The Lambda entry point. */
export const handler = createSweepHandler(process.env);
