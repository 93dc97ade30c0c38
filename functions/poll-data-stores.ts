/**
 * Lambda: one step of one tenant's poll, as the poll workflow's task (**adapter** -> use case ->
 * domain). The input (`{step, tenant, runId}`, shared/config/workflow-task.ts) is checked, the
 * tenant's runtime picked (its own client, token and rate limiter, built on first use and kept
 * warm), and the step run: `chunk` lists from the checkpoint until the invocation's time is nearly
 * spent (`pollChunk`), `finish` reports removals and the summary and gives the lease back
 * (`finishPoll`). The result is the small JSON the workflow's Choice reads; the metrics carry a
 * `Tenant` dimension, per chunk (its DSPM calls) and per poll at finish (the summary's figures,
 * and after a complete pass the state's gauges: stores and open findings).
 *
 * A finished poll whose listing failed part-way fails the task, after its summary is published
 * and committed, as the one-shot poll failed its invocation: the execution fails and its alarm
 * fires; `IncompletePolls` counts it too. A pass that was merely incomplete (the total moved)
 * succeeds and only counts. Until the tenant's token secret holds a token no step calls DSPM: the
 * step says so once, counts `TokenNotSet`, and returns `token-not-set`, which ends the tenant's
 * branch without a failure.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { POLLER_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { emitBreakdown } from '#shared/aws/emit-breakdown.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { reportTokenNotSet } from '#shared/aws/token-not-set.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { parseWorkflowTask, WORKFLOW_STATUSES, type WorkflowTask } from '#shared/config/workflow-task.ts';
import { tokenNotSet } from '#shared/dspm/token-provider.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { POLL_CONDITIONS } from '#shared/findings/conditions.ts';
import type { Logger } from '#shared/logger.ts';
import { finishPoll } from '#shared/poll/finish-poll.ts';
import { pollChunk } from '#shared/poll/poll-chunk.ts';
import type { PollPorts } from '#shared/poll/poll-ports.ts';
import { chunkStopAt, dspmDeadline } from '#shared/poll/time-budget.ts';
import type { TenantAdapters } from '#shared/roots/bridge-runtime.ts';
import { createPollerRuntime, type PollerRuntime, requireSink } from '#shared/roots/poller-runtime.ts';
import { openByCondition, openBySeverity, type StateCensus } from '#shared/state/state-census.ts';

const SERVICE = 'dspm-bridge-poller';

/** What a step returns: what the workflow's Choice routes on, and figures for the history. */
export interface PollTaskResult {
  /** `more` | `listed` (after a chunk), `completed` (after finish), `skipped`, `token-not-set`. */
  readonly status: string;
  readonly tenant: string;
  readonly runId: string;
  readonly pollId?: string;
  /** Chunks done so far, this one included. */
  readonly chunk?: number;
  /** Distinct stores the pass has seen so far. */
  readonly received?: number;
  /** The pass's `total`, when DSPM gave one. */
  readonly total?: number;
  /** Why a step was skipped: `lease-held` (another run has the tenant) or `no-poll`. */
  readonly reason?: string;
  readonly complete?: boolean;
  readonly incompleteReason?: string;
  readonly published?: number;
  readonly failed?: number;
  readonly stores?: { seen: number; changed: number; discovered: number; removed: number };
  readonly durationMs?: number;
}

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createPollHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const runtime = createPollerRuntime(env, { aws: createAwsClients(tracer), logger });
  const sink = requireSink(runtime);

  const step = async (event: unknown, context: Context): Promise<PollTaskResult> => {
    const task = parseWorkflowTask(event);
    const tenant = runtime.tenants.get(task.tenant);
    const host = tenant.dspmConfig.tenant.host;
    const base = { tenant: host, runId: task.runId };
    logger.appendKeys({ tenant: host, runId: task.runId, step: task.step });
    metrics.addDimension('Tenant', host);

    const notSet = await tokenNotSet(tenant.tokens);
    if (notSet) {
      reportTokenNotSet(notSet, tools, `${task.step} skipped`);
      return { ...base, status: WORKFLOW_STATUSES.tokenNotSet };
    }
    const now = Date.now();
    const remainingMs = context.getRemainingTimeInMillis();
    tenant.dspm.setDeadline(dspmDeadline(now, remainingMs));
    const ports = pollPorts(runtime, tenant, sink, logger);
    const before = { ...tenant.dspm.stats };
    try {
      return task.step === 'chunk'
        ? await runChunk(
            ports,
            runtime,
            task,
            chunkStopAt(now, remainingMs, runtime.pollerConfig.chunkBudgetMs),
            base,
          )
        : await runFinish(ports, runtime, task, base);
    } catch (error) {
      // The workflow sees only the error's name; this line says which tenant and step failed and
      // why (the DSPM errors carry the route, status and x-request-id, never the token).
      logger.error(`poll ${task.step} failed for ${host}`, { error });
      throw error;
    } finally {
      // This step's own DSPM calls: summed over a poll's steps they are the poll's.
      metrics.addMetric(
        POLLER_METRICS.dspmRequests.name,
        MetricUnit.Count,
        tenant.dspm.stats.requests - before.requests,
      );
      metrics.addMetric(
        POLLER_METRICS.dspmThrottles.name,
        MetricUnit.Count,
        tenant.dspm.stats.throttled - before.throttled,
      );
    }
  };

  /** One chunk: `more` or `listed` for the Choice, `skipped` when another run has the tenant. */
  const runChunk = async (
    ports: PollPorts,
    { pollerConfig }: PollerRuntime,
    task: WorkflowTask,
    stopAtMs: number,
    base: Pick<PollTaskResult, 'tenant' | 'runId'>,
  ): Promise<PollTaskResult> => {
    const startedAt = Date.now();
    const outcome = await pollChunk(ports, pollerConfig.settings, { runId: task.runId, stopAtMs });
    if (outcome.status === 'skipped') {
      metrics.addMetric(POLLER_METRICS.pollSkippedLeaseHeld.name, MetricUnit.Count, 1);
      return { ...base, status: outcome.status, reason: outcome.reason };
    }
    metrics.addMetric(POLLER_METRICS.pollChunks.name, MetricUnit.Count, 1);
    metrics.addMetric(POLLER_METRICS.chunkDuration.name, MetricUnit.Milliseconds, Date.now() - startedAt);
    return {
      ...base,
      status: outcome.status,
      pollId: outcome.pollId,
      chunk: outcome.chunk,
      received: outcome.received,
      ...(outcome.total === undefined ? {} : { total: outcome.total }),
      ...(outcome.status === 'listed'
        ? { complete: outcome.complete, ...(outcome.reason ? { incompleteReason: outcome.reason } : {}) }
        : {}),
    };
  };

  /** The finish: removals, meta, the summary; its figures become the poll's metrics. */
  const runFinish = async (
    ports: PollPorts,
    { pollerConfig }: PollerRuntime,
    task: WorkflowTask,
    base: Pick<PollTaskResult, 'tenant' | 'runId'>,
  ): Promise<PollTaskResult> => {
    const outcome = await finishPoll(ports, pollerConfig.settings, { runId: task.runId });
    if (outcome.status === 'skipped') {
      if (outcome.reason === 'lease-held')
        metrics.addMetric(POLLER_METRICS.pollSkippedLeaseHeld.name, MetricUnit.Count, 1);
      return { ...base, status: outcome.status, reason: outcome.reason };
    }
    const { summary } = outcome;
    metrics.addMetric(POLLER_METRICS.storesSeen.name, MetricUnit.Count, summary.stores.seen);
    metrics.addMetric(
      POLLER_METRICS.storesChanged.name,
      MetricUnit.Count,
      summary.stores.changed + summary.stores.discovered + summary.stores.removed,
    );
    metrics.addMetric(POLLER_METRICS.eventsPublished.name, MetricUnit.Count, summary.events.published);
    metrics.addMetric(POLLER_METRICS.publishFailures.name, MetricUnit.Count, summary.events.failed);
    metrics.addMetric(POLLER_METRICS.storesDiscovered.name, MetricUnit.Count, summary.stores.discovered);
    metrics.addMetric(POLLER_METRICS.storesRemoved.name, MetricUnit.Count, summary.stores.removed);
    metrics.addMetric(POLLER_METRICS.pollDuration.name, MetricUnit.Milliseconds, summary.durationMs);
    if (outcome.chunks !== undefined)
      metrics.addMetric(POLLER_METRICS.chunksPerPoll.name, MetricUnit.Count, outcome.chunks);
    metrics.addMetric(POLLER_METRICS.incompletePolls.name, MetricUnit.Count, summary.complete ? 0 : 1);
    // A poll whose listing failed did not complete: counting it would keep NoCompletedPoll quiet
    // while the tenant is never listed in full.
    metrics.addMetric(POLLER_METRICS.pollsCompleted.name, MetricUnit.Count, summary.complete ? 1 : 0);
    if (outcome.census) emitCensus(metrics, base.tenant, outcome.census);
    if (outcome.exceptionsExpiringSoon !== undefined)
      metrics.addMetric(
        POLLER_METRICS.exceptionsExpiringSoon.name,
        MetricUnit.Count,
        outcome.exceptionsExpiringSoon,
      );
    // The summary is out and the lease given back: failing now only tells the workflow (and its
    // alarm) that this tenant's listing failed; nothing is left half done for a retry.
    if (outcome.error) throw outcome.error;
    return {
      ...base,
      status: outcome.status,
      pollId: outcome.pollId,
      complete: summary.complete,
      ...(summary.incompleteReason ? { incompleteReason: summary.incompleteReason } : {}),
      published: summary.events.published,
      failed: summary.events.failed,
      stores: {
        seen: summary.stores.seen,
        changed: summary.stores.changed,
        discovered: summary.stores.discovered,
        removed: summary.stores.removed,
      },
      durationMs: summary.durationMs,
    };
  };

  return withObservability(step, tools);
}

/**
 * The gauges of a complete poll: live stores, open findings of the poll's conditions by
 * condition and by severity, and how many of them exceptions suppress (zeros included, so a
 * count that falls to none shows as 0, not a gap).
 * Two breakdowns rather than condition x severity: nine series per tenant instead of sixteen, and
 * a condition's severity is mostly fixed by configuration anyway.
 */
function emitCensus(metrics: Metrics, tenant: string, census: StateCensus): void {
  metrics.addMetric(POLLER_METRICS.storesTracked.name, MetricUnit.Count, census.stores);
  metrics.addMetric(POLLER_METRICS.suppressedFindings.name, MetricUnit.Count, census.suppressed);
  const byCondition = openByCondition(census);
  const dimensions = { Tenant: tenant };
  emitBreakdown(
    metrics,
    POLLER_METRICS.openFindingsByCondition,
    dimensions,
    Object.fromEntries(POLL_CONDITIONS.map((condition) => [condition, byCondition[condition] ?? 0])),
  );
  emitBreakdown(metrics, POLLER_METRICS.openFindingsBySeverity, dimensions, openBySeverity(census));
}

/** The ports of one tenant's step: its own client, the shared state store and sink. */
function pollPorts(
  runtime: PollerRuntime,
  tenant: TenantAdapters,
  sink: EventSink,
  logger: Logger,
): PollPorts {
  return {
    dspm: tenant.dspm,
    state: runtime.state,
    exceptions: runtime.exceptions,
    sink,
    clock: systemClock,
    logger,
    tenant: tenant.dspmConfig.tenant.host,
  };
}

/** The Lambda entry point. */
export const handler = createPollHandler(process.env);
