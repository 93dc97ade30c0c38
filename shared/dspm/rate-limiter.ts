/**
 * Client-side pacing at the tenant's global rate limit. Requests are spaced evenly (one every
 * 1000/rps ms) rather than sent in bursts, because Netskope does not document how its limiter
 * counts and an evenly paced client is within any window or bucket at that rate.
 *
 * Hand-written rather than a library (bottleneck, p-throttle): it must also pause every caller
 * when the server says the budget is spent (`RateLimit-Remaining: 0`, a 429), with an injected
 * clock so tests run without sleeping; the whole thing is a few lines.
 */

/** Time, injectable for tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Paces callers to at most `rps` requests per second, spaced evenly. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #nextSlotMs = 0;
  #pausedUntilMs = 0;
  #waitedMs = 0;

  /** @throws RangeError when `rps` is not a positive number. */
  constructor(rps: number, clock: Clock = systemClock) {
    if (!(rps > 0) || !Number.isFinite(rps))
      throw new RangeError(`rate limit must be a positive number, got ${rps}`);
    this.#intervalMs = 1000 / rps;
    this.#clock = clock;
  }

  /**
   * Waits for this caller's slot. Slots are handed out synchronously, in call order, so the
   * spacing holds however many callers wait at once, and no slot falls inside a pause.
   */
  async acquire(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const slot = Math.max(now, this.#nextSlotMs, this.#pausedUntilMs);
      this.#nextSlotMs = slot + this.#intervalMs;
      const wait = slot - now;
      if (wait > 0) {
        this.#waitedMs += wait;
        await this.#clock.sleep(wait);
      }
      // A pause announced while this caller slept moves it behind the pause.
      if (this.#pausedUntilMs <= this.#clock.now()) return;
    }
  }

  /** Holds every caller until `untilMs` (the server said the budget is spent until then). */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.#pausedUntilMs) this.#pausedUntilMs = untilMs;
  }

  /** Total milliseconds callers spent waiting for a slot. */
  get waitedMs(): number {
    return this.#waitedMs;
  }
}
