/**
 * The tenant's global rate limit: one token bucket shared by every API request, holding `rps`
 * tokens and refilled continuously at `rps` per second. A client that spaces its requests exactly
 * 1/rps apart always finds a token; a burst beyond the bucket gets 429.
 */

/** The outcome of one request against the bucket, with what the RateLimit-* headers should say. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests per second (`RateLimit-Limit`). */
  limit: number;
  /** Whole tokens left after this request (`RateLimit-Remaining`). */
  remaining: number;
  /** Whole seconds until a request would be allowed again, 0 if now (`RateLimit-Reset`). */
  resetSeconds: number;
  /** For a refused request: whole seconds to wait, at least 1 (`Retry-After`). */
  retryAfterSeconds: number;
}

// Refills are computed in floating point: without a little slack, a client spaced exactly 1/rps
// apart could find 0.9999999 tokens and be refused.
const EPSILON = 1e-9;

/** A continuously refilled token bucket; `now` returns milliseconds on any monotonic clock. */
export class TokenBucket {
  readonly #rps: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  /** Throws a RangeError unless `rps` is a positive finite number. */
  constructor(rps: number, now: () => number = () => performance.now()) {
    if (!Number.isFinite(rps) || rps <= 0)
      throw new RangeError(`rate limit must be a positive number, got ${rps}`);
    this.#rps = rps;
    // Below 1 rps a bucket of `rps` tokens could never hold a whole one.
    this.#capacity = Math.max(1, rps);
    this.#now = now;
    this.#tokens = this.#capacity;
    this.#updatedAt = now();
  }

  get limit(): number {
    return this.#rps;
  }

  /** Takes one token if there is one and reports the bucket's state afterwards. */
  take(): RateLimitDecision {
    const now = this.#now();
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedSeconds * this.#rps);
    this.#updatedAt = now;
    const allowed = this.#tokens + EPSILON >= 1;
    if (allowed) this.#tokens = Math.max(0, this.#tokens - 1);
    const remaining = Math.floor(this.#tokens + EPSILON);
    const wait = Math.max(0, (1 - this.#tokens) / this.#rps - EPSILON);
    return {
      allowed,
      limit: this.#rps,
      remaining,
      resetSeconds: remaining >= 1 ? 0 : Math.ceil(wait),
      retryAfterSeconds: Math.max(1, Math.ceil(wait)),
    };
  }
}
