/**
 * The tenant's global rate limit, one limiter shared by every API request. Netskope does not
 * document how its limiter counts, so the simulator offers the three ways rate limiters commonly
 * count, read from how they are usually built rather than from the client:
 *
 * - `sliding-window` (the default, the strictest): at most `rps` requests were admitted in any
 *   1,000 ms window ending now. Requests spaced exactly 1/rps apart pass only if nothing in the
 *   path adds jitter; a client needs headroom.
 * - `fixed-window`: at most `rps` requests per wall-clock second (`floor(now / 1000)`); a burst
 *   of up to twice the limit can straddle a boundary, but an eleventh request in one second is
 *   refused wherever it falls.
 * - `token-bucket`: a bucket of `burst` tokens (default `rps`) refilled continuously at `rps` per
 *   second; tolerates exact 1/rps spacing.
 *
 * Refused requests are not counted against the limit (the kind most gateways implement).
 */

/** How the limiter counts. */
export type RateLimiterKind = 'sliding-window' | 'fixed-window' | 'token-bucket';

/** Every kind, the default first. */
export const RATE_LIMITER_KINDS: readonly RateLimiterKind[] = [
  'sliding-window',
  'fixed-window',
  'token-bucket',
];

/** The outcome of one request against the limiter, with what the RateLimit-* headers should say. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests per second (`RateLimit-Limit`). */
  limit: number;
  /** Requests that would still be admitted now (`RateLimit-Remaining`). */
  remaining: number;
  /** Whole seconds until a request would be allowed again, 0 if now (`RateLimit-Reset`). */
  resetSeconds: number;
  /** For a refused request: whole seconds to wait, at least 1 (`Retry-After`). */
  retryAfterSeconds: number;
}

/** A limiter of any kind. */
export interface TenantRateLimiter {
  readonly kind: RateLimiterKind;
  /** Requests per second. */
  readonly limit: number;
  /** Counts one request if the limit allows it and reports the limiter's state afterwards. */
  take(): RateLimitDecision;
}

/** How to build a limiter. */
export interface RateLimiterOptions {
  readonly rps: number;
  /** Default `sliding-window`. */
  readonly kind?: RateLimiterKind | undefined;
  /** Bucket size of a `token-bucket` (default `rps`, at least 1). */
  readonly burst?: number | undefined;
  /** Milliseconds on any monotonic clock (tests move it by hand). */
  readonly now?: (() => number) | undefined;
}

const WINDOW_MS = 1000;

// Refills are computed in floating point: without a little slack, a client spaced exactly 1/rps
// apart could find 0.9999999 tokens and be refused.
const EPSILON = 1e-9;

function checkRps(rps: number): number {
  if (!Number.isFinite(rps) || rps <= 0)
    throw new RangeError(`rate limit must be a positive number, got ${rps}`);
  return rps;
}

/** Builds the limiter the options ask for. Throws a RangeError naming a bad option. */
export function createRateLimiter(options: RateLimiterOptions): TenantRateLimiter {
  const now = options.now ?? (() => performance.now());
  switch (options.kind ?? 'sliding-window') {
    case 'sliding-window':
      return new SlidingWindow(options.rps, now);
    case 'fixed-window':
      return new FixedWindow(options.rps, now);
    case 'token-bucket':
      return new TokenBucket(options.rps, now, options.burst);
    default:
      throw new RangeError(`unknown rate limiter kind "${String(options.kind)}"`);
  }
}

function decision(allowed: boolean, limit: number, remaining: number, waitMs: number): RateLimitDecision {
  const waitSeconds = Math.ceil(Math.max(0, waitMs) / 1000);
  return {
    allowed,
    limit,
    remaining,
    resetSeconds: remaining >= 1 ? 0 : waitSeconds,
    retryAfterSeconds: Math.max(1, waitSeconds),
  };
}

/** At most `limit` admitted requests in any window of one second ending now. */
export class SlidingWindow implements TenantRateLimiter {
  readonly kind = 'sliding-window';
  readonly limit: number;
  readonly #capacity: number;
  readonly #now: () => number;
  /** Admission times inside the current window, oldest first. */
  readonly #admitted: number[] = [];

  constructor(rps: number, now: () => number = () => performance.now()) {
    this.limit = checkRps(rps);
    // A window holds whole requests; below 1 rps it still admits one.
    this.#capacity = Math.max(1, Math.floor(rps));
    this.#now = now;
  }

  take(): RateLimitDecision {
    const now = this.#now();
    while (this.#admitted.length > 0 && (this.#admitted[0] as number) <= now - WINDOW_MS)
      this.#admitted.shift();
    const allowed = this.#admitted.length < this.#capacity;
    if (allowed) this.#admitted.push(now);
    const remaining = this.#capacity - this.#admitted.length;
    // The next slot opens when the oldest admission leaves the window.
    const waitMs = remaining >= 1 ? 0 : (this.#admitted[0] as number) + WINDOW_MS - now;
    return decision(allowed, this.limit, remaining, waitMs);
  }
}

/** At most `limit` requests per wall-clock second. */
export class FixedWindow implements TenantRateLimiter {
  readonly kind = 'fixed-window';
  readonly limit: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #window = Number.NaN;
  #count = 0;

  constructor(rps: number, now: () => number = () => performance.now()) {
    this.limit = checkRps(rps);
    this.#capacity = Math.max(1, Math.floor(rps));
    this.#now = now;
  }

  take(): RateLimitDecision {
    const now = this.#now();
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.#window) {
      this.#window = window;
      this.#count = 0;
    }
    const allowed = this.#count < this.#capacity;
    if (allowed) this.#count++;
    const remaining = this.#capacity - this.#count;
    const waitMs = remaining >= 1 ? 0 : (window + 1) * WINDOW_MS - now;
    return decision(allowed, this.limit, remaining, waitMs);
  }
}

/** A continuously refilled token bucket. */
export class TokenBucket implements TenantRateLimiter {
  readonly kind = 'token-bucket';
  readonly #rps: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  /** Throws a RangeError unless `rps` (and `burst`, when given) are positive finite numbers. */
  constructor(rps: number, now: () => number = () => performance.now(), burst?: number) {
    this.#rps = checkRps(rps);
    if (burst !== undefined && (!Number.isFinite(burst) || burst < 1))
      throw new RangeError(`burst must be a number >= 1, got ${burst}`);
    // Below 1 rps a bucket of `rps` tokens could never hold a whole one.
    this.#capacity = burst ?? Math.max(1, rps);
    this.#now = now;
    this.#tokens = this.#capacity;
    this.#updatedAt = now();
  }

  get limit(): number {
    return this.#rps;
  }

  take(): RateLimitDecision {
    const now = this.#now();
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedSeconds * this.#rps);
    this.#updatedAt = now;
    const allowed = this.#tokens + EPSILON >= 1;
    if (allowed) this.#tokens = Math.max(0, this.#tokens - 1);
    const remaining = Math.floor(this.#tokens + EPSILON);
    const waitMs = Math.max(0, ((1 - this.#tokens) / this.#rps - EPSILON) * 1000);
    return decision(allowed, this.#rps, remaining, waitMs);
  }
}
