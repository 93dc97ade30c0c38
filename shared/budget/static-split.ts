/**
 * How the rate budget is split, part one: the static split, every function's fallback share.
 * Part two, the budget on demand that lends the poller the whole limit while the others need none
 * of it, is shared/budget/on-demand-budget.ts.
 *
 * One rate budget for the whole bridge. The poller, the tagger and the coverage sweep are separate
 * Lambdas that may all call DSPM at the same moment, and the tenant's limit is global, so each
 * function paces itself at a fixed share of it (`DSPM_RATE_LIMIT_RPS` in its environment) and the
 * shares add up to the limit. Priorities come from the split itself: a tag write has a share of
 * its own, so it never queues behind a 1,000-page listing; each function's client still learns
 * from 429s (shared/dspm/rate-limiter.ts) if something else spends the tenant's budget.
 *
 * The static split costs no extra calls and cannot fail on its own, which is why it is the
 * fallback; what an idle share leaves unused is what the budget on demand wins back.
 */

/** Share of the tenant's limit per function, before rounding to whole requests. */
export const RATE_SHARES = {
  poller: 0.6,
  tagger: 0.3,
  coverage: 0.1,
} as const;

/**
 * Most tagger invocations at once (the SQS event source's `maxConcurrency`; 2 is the least SQS
 * allows). The tagger's share is divided among them.
 */
export const TAGGER_MAX_CONCURRENCY = 2;

/** The smallest tenant limit that gives every running instance a whole request per second. */
export const MIN_SHARED_RPS = 2 + TAGGER_MAX_CONCURRENCY;

/** Requests per second each running instance of each function may send. */
export interface RateBudget {
  readonly poller: number;
  readonly taggerPerInstance: number;
  readonly coverage: number;
}

/**
 * Splits the tenant's limit into whole requests per second. Whole, because a strict one-second
 * window counts requests, not rates: a client paced at 1.5/s can land two requests in one window,
 * so fractional shares that add up to the limit can still put one request too many into a window.
 * The sweep and each tagger instance get their share rounded down (at least 1); from 8 requests/s
 * up, one request per second stays unassigned, slack for the jitter between independent clients
 * (each one's own headroom covers only itself); the poller gets the rest.
 * @throws RangeError when the limit is below {@link MIN_SHARED_RPS}.
 */
export function rateBudget(tenantRps: number): RateBudget {
  const slots = Math.floor(tenantRps);
  if (slots < MIN_SHARED_RPS)
    throw new RangeError(
      `a tenant limit of ${tenantRps} requests/s is too small to share: the poller, the sweep and ${TAGGER_MAX_CONCURRENCY} tagger instances need at least ${MIN_SHARED_RPS}`,
    );
  const coverage = Math.max(1, Math.floor(slots * RATE_SHARES.coverage));
  const taggerPerInstance = Math.max(1, Math.floor((slots * RATE_SHARES.tagger) / TAGGER_MAX_CONCURRENCY));
  const spare = slots >= 8 ? 1 : 0;
  const poller = slots - spare - coverage - taggerPerInstance * TAGGER_MAX_CONCURRENCY;
  return { poller, taggerPerInstance, coverage };
}

/**
 * The poller's pace for a tenant only the poller calls (every tenant after the first: the tagger
 * and the sweep work on the first one). Each tenant has its own global limit, so its budget is its
 * own: the whole limit in whole requests per second, less the same one request of slack from 8 up.
 */
export function pollOnlyBudget(tenantRps: number): number {
  const slots = Math.floor(tenantRps);
  if (slots < 1)
    throw new RangeError(`a tenant limit of ${tenantRps} requests/s leaves the poller no whole request`);
  return slots >= 8 ? slots - 1 : slots;
}
