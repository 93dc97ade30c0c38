/**
 * Client-side pacing within the tenant's global rate limit, for a limiter whose way of counting
 * is not documented (a token bucket, a fixed window, a strict sliding window).
 *
 * - **Even spacing with headroom.** Requests leave one at a time, each at least 1/rate after the
 *   previous one actually left (not after its planned slot: a timer that fires late must not
 *   squeeze the next gap). The rate stays a few percent under the limit, so the jitter between
 *   here and the tenant's counter never puts limit + 1 requests into one strict window.
 * - **Learned limit (AIMD).** A 429 cuts the rate multiplicatively and lowers the ceiling it
 *   climbs back to; time raises it additively. A tenant whose real limit is below the configured
 *   one settles just under it instead of being refused over and over. After a quiet spell the
 *   ceiling probes one step higher, so a stray 429 costs a few percent for a while, not the run,
 *   and a tenant that really counts lower sees one probe refused per spell (well under 1 %).
 * - **Server word first.** `RateLimit-Limit` lowers the ceiling; `RateLimit-Remaining: 0` and
 *   `Retry-After` pause every caller (the transport calls `pauseUntil`): the budget is the
 *   tenant's, not one request's.
 * - **Bounded patience.** With a deadline set, a caller whose slot would fall after it fails at
 *   once with {@link PacingDeadlineError} instead of sleeping into a Lambda timeout.
 *
 * Hand-written rather than a library (bottleneck, p-throttle): none of them learns from 429s or
 * pauses on a server-announced reset, and every decision here runs on an injected clock, so tests
 * need no sleeping.
 */
import { type Clock, systemClock } from '../clock.ts';
import { BridgeError } from '../errors.ts';

/** Pacing knobs; `DEFAULT_PACING` holds the defaults. */
export interface PacingSettings {
  /** Fraction of the limit left unused against jitter (0.05 = pace at 95 %). */
  readonly headroom: number;
  /** Factor the rate is multiplied by on a 429. */
  readonly decrease: number;
  /** Seconds the rate takes to climb from a cut back to its ceiling (additive increase). */
  readonly recoverySeconds: number;
  /** Quiet seconds (no 429) after which a lowered ceiling is raised by one headroom step. */
  readonly probeSeconds: number;
  /** The rate never drops below this fraction of the configured one. */
  readonly floor: number;
}

/** Defaults, chosen on bench:list against the three limiter kinds (bench/RESULTS.md). */
export const DEFAULT_PACING = {
  headroom: 0.05,
  decrease: 0.7,
  recoverySeconds: 10,
  probeSeconds: 60,
  floor: 0.05,
} as const satisfies PacingSettings;

/**
 * A caller's slot would come after the deadline: the time budget is spent. Retryable: a later
 * step or run has a budget of its own (the transport turns it into `DspmTimeBudgetError`).
 */
export class PacingDeadlineError extends BridgeError {
  readonly retryable = true;
  /** Milliseconds the caller would have had to wait. */
  readonly waitMs: number;

  constructor(waitMs: number, remainingMs: number) {
    super(
      `rate limited: the next request could go in ${Math.ceil(waitMs)} ms, but only ${Math.max(0, Math.floor(remainingMs))} ms of the time budget are left`,
    );
    this.waitMs = waitMs;
  }
}

/** What the limiter has learned so far, for summaries and logs. */
export interface PacingState {
  /** Requests per second now. */
  readonly rps: number;
  /** What the rate climbs back to. */
  readonly ceilingRps: number;
  /** 429s seen. */
  readonly throttles: number;
}

/** Paces callers within `rps` requests per second, learning the tenant's real limit. */
export class RateLimiter {
  /** The configured rate; a shared budget (shared/budget/) moves it. */
  #configuredRps: number;
  readonly #clock: Clock;
  readonly #settings: PacingSettings;
  /** The configured rate less headroom, lowered by `RateLimit-Limit`. */
  #maxRps: number;
  /** What the additive increase climbs to; lowered by 429s, creeps back to `#maxRps`. */
  #ceilingRps: number;
  #rps: number;
  #updatedAtMs: number;
  /** When the ceiling last moved (a 429 or a probe). */
  #ceilingMovedAtMs: number;
  #lastSentMs = Number.NEGATIVE_INFINITY;
  #pausedUntilMs = 0;
  #deadlineMs: number | undefined;
  #waitedMs = 0;
  #throttles = 0;
  #budget: (() => Promise<number>) | undefined;
  /** Callers take their turn one after the other, so the gap after a late timer is kept. */
  #queue: Promise<void> = Promise.resolve();

  /** @throws RangeError when `rps` is not a positive number or a setting is out of range. */
  constructor(rps: number, clock: Clock = systemClock, settings: Partial<PacingSettings> = {}) {
    if (!(rps > 0) || !Number.isFinite(rps))
      throw new RangeError(`rate limit must be a positive number, got ${rps}`);
    this.#settings = { ...DEFAULT_PACING, ...settings };
    const { headroom, decrease, floor } = this.#settings;
    if (!(headroom >= 0 && headroom < 1)) throw new RangeError(`headroom must be in [0, 1), got ${headroom}`);
    if (!(decrease > 0 && decrease < 1)) throw new RangeError(`decrease must be in (0, 1), got ${decrease}`);
    if (!(floor > 0 && floor <= 1)) throw new RangeError(`floor must be in (0, 1], got ${floor}`);
    this.#configuredRps = rps;
    this.#clock = clock;
    this.#maxRps = rps * (1 - headroom);
    this.#ceilingRps = this.#maxRps;
    this.#rps = this.#maxRps;
    this.#updatedAtMs = clock.now();
    this.#ceilingMovedAtMs = this.#updatedAtMs;
  }

  /**
   * Waits for this caller's turn.
   * @throws PacingDeadlineError when the turn would come after the deadline.
   */
  acquire(): Promise<void> {
    const askedAt = this.#clock.now();
    const turn = this.#queue.then(() => this.#waitForTurn(askedAt));
    // One caller's deadline failure must not fail the callers queued behind it.
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #waitForTurn(askedAt: number): Promise<void> {
    for (;;) {
      if (this.#budget) this.#setRate(await this.#budget());
      const now = this.#clock.now();
      this.#recover(now);
      const slot = Math.max(now, this.#lastSentMs + 1000 / this.#rps, this.#pausedUntilMs);
      if (slot <= now) {
        this.#lastSentMs = now;
        this.#waitedMs += now - askedAt;
        return;
      }
      if (this.#deadlineMs !== undefined && slot > this.#deadlineMs) {
        this.#waitedMs += now - askedAt;
        throw new PacingDeadlineError(slot - now, this.#deadlineMs - now);
      }
      // Sleep, then look again: a pause or a cut announced meanwhile moves the slot.
      await this.#clock.sleep(slot - now);
    }
  }

  /**
   * Lets a shared budget (shared/budget/on-demand-budget.ts) set the pace: `rate` is asked before
   * every turn, may wait, and resolves to the requests per second this client may use now.
   */
  useBudget(rate: () => Promise<number>): void {
    this.#budget = rate;
  }

  /** A new configured rate; what was learned (cuts, ceiling) scales with it. */
  #setRate(rps: number): void {
    if (rps === this.#configuredRps || !(rps > 0)) return;
    const ratio = rps / this.#configuredRps;
    this.#configuredRps = rps;
    this.#maxRps *= ratio;
    this.#ceilingRps *= ratio;
    this.#rps *= ratio;
  }

  /** Holds every caller until `untilMs` (the server said the budget is spent until then). */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.#pausedUntilMs) this.#pausedUntilMs = untilMs;
  }

  /** A 429: cut the rate and lower the ceiling it climbs back to. */
  throttled(): void {
    const now = this.#clock.now();
    this.#recover(now);
    const { headroom, decrease, floor } = this.#settings;
    const minimum = this.#configuredRps * floor;
    this.#throttles++;
    this.#ceilingMovedAtMs = now;
    this.#ceilingRps = Math.max(minimum, Math.min(this.#ceilingRps, this.#rps * (1 - headroom)));
    this.#rps = Math.max(minimum, this.#rps * decrease);
  }

  /** The tenant announced its limit (`RateLimit-Limit`): never pace above it, less headroom. */
  announcedLimit(requestsPerSecond: number): void {
    if (!(requestsPerSecond > 0) || !Number.isFinite(requestsPerSecond)) return;
    const max = Math.min(this.#configuredRps, requestsPerSecond) * (1 - this.#settings.headroom);
    if (max === this.#maxRps) return;
    this.#maxRps = max;
    this.#ceilingRps = Math.min(this.#ceilingRps, max);
    this.#rps = Math.min(this.#rps, max);
  }

  /**
   * Callers whose turn would come after `epochMs` fail instead of waiting; undefined removes the
   * deadline. One Lambda invocation sets it to its own end less a margin.
   */
  setDeadline(epochMs: number | undefined): void {
    this.#deadlineMs = epochMs;
  }

  /** Total milliseconds callers spent waiting for their turn. */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  /** The pacing as learned so far. */
  get state(): PacingState {
    this.#recover(this.#clock.now());
    return { rps: this.#rps, ceilingRps: this.#ceilingRps, throttles: this.#throttles };
  }

  /** Additive increase of the rate towards the ceiling; a probe step of the ceiling after a quiet spell. */
  #recover(now: number): void {
    const seconds = Math.max(0, now - this.#updatedAtMs) / 1000;
    this.#updatedAtMs = now;
    if (seconds === 0) return;
    const { recoverySeconds, probeSeconds, headroom } = this.#settings;
    const probes = Math.floor((now - this.#ceilingMovedAtMs) / (probeSeconds * 1000));
    if (probes > 0 && this.#ceilingRps < this.#maxRps) {
      const step = Math.max(headroom, 0.01) * this.#maxRps;
      this.#ceilingRps = Math.min(this.#maxRps, this.#ceilingRps + probes * step);
      this.#ceilingMovedAtMs += probes * probeSeconds * 1000;
    }
    this.#rps = Math.min(this.#ceilingRps, this.#rps + (this.#maxRps / recoverySeconds) * seconds);
  }
}
