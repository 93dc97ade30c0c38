/**
 * Lambda: one scheduled poll of the DSPM tenant (**adapter** -> use case -> domain).
 * Configuration is read and checked once, at cold start; each invocation runs `pollDataStores`
 * and turns its outcome into metrics. A listing that failed part-way fails the invocation (after
 * what was seen is published and committed), so the error alarm sees it. Until the token secret
 * holds a token (a first deploy leaves the stack's placeholder there) no poll is attempted: the
 * run says so once, counts `TokenNotSet`, and ends normally, so Lambda does not retry it.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { reportTokenNotSet } from '#shared/aws/token-not-set.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { DspmTimeBudgetError } from '#shared/dspm/errors.ts';
import { tokenNotSet } from '#shared/dspm/token-provider.ts';
import { type PollOutcome, pollDataStores } from '#shared/poll/poll-data-stores.ts';
import { createPollerRuntime, requireSink } from '#shared/poll/poller-runtime.ts';
import { dspmDeadline } from '#shared/poll/time-budget.ts';

const SERVICE = 'dspm-bridge-poller';

/** What an invocation returns (visible in the console and to Scheduler's target). */
export interface PollInvocationResult {
  readonly status: PollOutcome['status'] | 'token-not-set';
  /** Absent when no poll was started (the token is not set). */
  readonly pollId?: string;
  readonly complete?: boolean;
  readonly published?: number;
  readonly failed?: number;
}

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createPollHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const runtime = createPollerRuntime(env, { aws: createAwsClients(tracer), logger });
  const sink = requireSink(runtime);

  const poll = async (_event: unknown, context: Context): Promise<PollInvocationResult> => {
    const notSet = await tokenNotSet(runtime.tokens);
    if (notSet) {
      reportTokenNotSet(notSet, tools, 'poll skipped');
      return { status: 'token-not-set' };
    }
    runtime.dspm.setDeadline(dspmDeadline(Date.now(), context.getRemainingTimeInMillis()));
    const outcome = await pollDataStores(
      {
        dspm: runtime.dspm,
        state: runtime.state,
        sink,
        clock: systemClock,
        logger,
        tenant: runtime.dspmConfig.tenant.host,
      },
      runtime.pollerConfig.settings,
    );
    if (outcome.status === 'skipped') {
      metrics.addMetric('PollSkippedLeaseHeld', MetricUnit.Count, 1);
      return { status: outcome.status, pollId: outcome.pollId };
    }
    const { summary } = outcome;
    metrics.addMetric('StoresSeen', MetricUnit.Count, summary.stores.seen);
    metrics.addMetric(
      'StoresChanged',
      MetricUnit.Count,
      summary.stores.changed + summary.stores.discovered + summary.stores.removed,
    );
    metrics.addMetric('EventsPublished', MetricUnit.Count, summary.events.published);
    metrics.addMetric('PublishFailures', MetricUnit.Count, summary.events.failed);
    metrics.addMetric('DspmRequests', MetricUnit.Count, summary.dspm.requests);
    metrics.addMetric('DspmThrottles', MetricUnit.Count, summary.dspm.throttled);
    metrics.addMetric('PollDuration', MetricUnit.Milliseconds, summary.durationMs);
    metrics.addMetric('IncompletePolls', MetricUnit.Count, summary.complete ? 0 : 1);
    // A poll whose listing failed did not complete: counting it would keep NoCompletedPoll quiet
    // while the tenant is never listed in full.
    metrics.addMetric('PollsCompleted', MetricUnit.Count, summary.complete ? 1 : 0);
    // A spent time budget is an incomplete poll (its metric alarms), not a failed invocation:
    // Scheduler's retry would only add load to a tenant that is already refusing us.
    if (outcome.error && !(outcome.error instanceof DspmTimeBudgetError)) throw outcome.error;
    return {
      status: outcome.status,
      pollId: outcome.pollId,
      complete: summary.complete,
      published: summary.events.published,
      failed: summary.events.failed,
    };
  };

  return withObservability(poll, tools);
}

/** The Lambda entry point. */
export const handler = createPollHandler(process.env);
