/**
 * How the tenant's rate limit is split: the static split (shared/budget/static-split.ts) gives every
 * function a fixed whole-request share that adds up to the limit; this budget on demand lets the
 * poller use the whole limit while nobody else needs any of it, and falls back to the static split
 * whenever anyone does, or whenever the coordination itself fails.
 *
 * **Design: a whole-budget lease that yields to demand.** One item per tenant in the state table
 * (budget-item.ts). The poller (the "holder", whole-budget-lease.ts) keeps a short lease on the
 * whole limit, renewed conditionally a few times a second and only while nobody has announced
 * demand. The tagger instances, the sweep and a CLI with the deployed environment ("demanders",
 * demand-share.ts) write how long they need their share and read back the holder's lease; they
 * send nothing until that lease has lapsed and one more strict window (1 s) has passed, so the
 * holder's last whole-rate requests have left the tenant's window; then everyone paces at their
 * static share, which adds up to the limit. A demander sends only while its announced demand
 * outlives the window, so the holder cannot take the whole budget back while a demander's
 * requests are still counted.
 *
 * Why this rather than the alternatives:
 * - Claiming slots per second window (conditional ADD on a counter) costs a write per request
 *   (or per batch) for every consumer, all the time; the lease costs a few writes per second only
 *   while a poll runs, and nothing at all while the functions keep their static shares.
 * - The tenant's `RateLimit-*` answers: DSPM does not promise them, and the strictest tenant
 *   (the default in the simulator) sends none, so they cannot be the coordination.
 * - Priorities among equal sharers would need a queue in DynamoDB; the only long consumer is the
 *   poller, so "the poller yields, everyone else gets their static share" is the whole priority.
 *
 * Fail safe: any error of the coordination (no table, access denied, throttled) puts the function
 * at its static share for {@link BUDGET_TIMING}.retryAfterMs with one log line; a holder whose
 * lease lapses is at its static share at once. The static shares alone never overrun the limit.
 * What it costs is measured by bench:budget (DynamoDB units per DSPM request and per poll).
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

/**
 * Timing of the budget, in milliseconds. The demander's longest wait is `leaseMs + windowMs +
 * guardMs`; the holder's writes per second are about `1000 / (leaseMs - renewAheadMs)`: a shorter
 * lease hands over faster and costs more writes.
 */
export const BUDGET_TIMING = {
  /** The tenant's strict window: what must pass after the last whole-rate request. */
  windowMs: 1_000,
  /** Against the clocks of two Lambdas disagreeing, and the moment between a check and its send. */
  guardMs: 100,
  /** How long a claim of the whole budget lasts. */
  leaseMs: 500,
  /**
   * The holder renews once less than this is left: long enough for a DynamoDB round trip (tens
   * of milliseconds in a region) to land before the lease ends, short enough that a poll pays
   * for about one claim every `leaseMs - renewAheadMs` rather than one per request. A renewal
   * that lands late costs the next request a wait for its answer, never the limit.
   */
  renewAheadMs: 150,
  /** How long one announcement of demand lasts. */
  demandMs: 4_000,
  /** Static share for this long after the coordination failed, before trying again. */
  retryAfterMs: 30_000,
} as const;

/** Timing knobs (tests and the bench shorten or lengthen them). */
export type BudgetTiming = { readonly [K in keyof typeof BUDGET_TIMING]: number };

/** What the rate limiter asks before each request (RateLimiter.useBudget). */
export interface RateBudgetGate {
  /** Resolves, once the caller may send, to the requests per second it may pace at now. */
  rate(): Promise<number>;
}

/** What the holder and the demanders have in common. */
export interface BudgetParticipant {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tenant: string;
  /** Who this is, in log lines: poller, tagger, coverage, cli. */
  readonly role: string;
  /** The function's share in the static split (`DSPM_RATE_LIMIT_RPS`). */
  readonly staticRps: number;
  readonly timing: BudgetTiming;
}

/**
 * The coordination failed: one log line naming what failed and why, and the static share until
 * the returned time.
 */
export function fallBack(participant: BudgetParticipant, what: string, error: unknown): number {
  const { clock, logger, tenant, role, staticRps, timing } = participant;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.warn('rate budget: coordination failed; pacing at the static share', {
    tenant,
    role,
    failed: what,
    reason: reason.slice(0, 300),
    staticRps,
    retryInMs: timing.retryAfterMs,
  });
  return clock.now() + timing.retryAfterMs;
}
