import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  FixedWindow,
  RATE_LIMITER_KINDS,
  SlidingWindow,
  TokenBucket,
} from '#simulator/rate-limit.ts';

/** A clock the test moves by hand, in milliseconds. */
function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst of rps requests, then refuses with Retry-After of at least one second', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(3, clock.now);
    const decisions = Array.from({ length: 4 }, () => bucket.take());
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]).toMatchObject({ limit: 3, retryAfterSeconds: 1, resetSeconds: 1 });
  });

  it.each([1, 2, 3, 7, 10, 25])('never refuses a client spaced exactly 1/rps apart at %d rps', (rps) => {
    const clock = fakeClock();
    const bucket = new TokenBucket(rps, clock.now);
    const refused = Array.from({ length: 2_000 }, () => {
      const decision = bucket.take();
      clock.advance(1000 / rps);
      return decision;
    }).filter((decision) => !decision.allowed);
    expect(refused).toEqual([]);
  });

  it('never refuses an even-paced client that starts after a full burst', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(4, clock.now);
    for (let i = 0; i < 4; i += 1) bucket.take();
    clock.advance(250);
    const allowed = Array.from({ length: 100 }, () => {
      const decision = bucket.take();
      clock.advance(250);
      return decision.allowed;
    });
    expect(allowed.every(Boolean)).toBe(true);
  });

  it('refills continuously: half the interval buys nothing, the full interval buys one request', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, clock.now);
    bucket.take();
    bucket.take();
    clock.advance(250);
    expect(bucket.take().allowed).toBe(false);
    clock.advance(250);
    expect(bucket.take().allowed).toBe(true);
  });

  it('never holds more than rps tokens however long it idles', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, clock.now);
    clock.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()].map((decision) => decision.allowed)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('reports RateLimit-Reset 0 while tokens remain and the wait in whole seconds once empty', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(0.25, clock.now);
    expect(bucket.take()).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 4 });
    clock.advance(1_000);
    expect(bucket.take()).toMatchObject({
      allowed: false,
      remaining: 0,
      resetSeconds: 3,
      retryAfterSeconds: 3,
    });
    const bigger = new TokenBucket(5, clock.now);
    expect(bigger.take()).toMatchObject({ remaining: 4, resetSeconds: 0 });
  });

  it('holds at least one whole token below 1 rps, so a slow limit still lets requests through', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(0.5, clock.now);
    expect(bucket.take().allowed).toBe(true);
    clock.advance(2_000);
    expect(bucket.take().allowed).toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a limit of %d', (rps) => {
    expect(() => new TokenBucket(rps)).toThrow(RangeError);
  });
});

describe('SlidingWindow', () => {
  it('admits at most rps requests in any one-second window ending now', () => {
    const clock = fakeClock(0);
    const window = new SlidingWindow(3, clock.now);
    const at = (ms: number) => {
      clock.advance(ms - clock.now());
      return window.take();
    };
    expect([at(0), at(100), at(200), at(300)].map((d) => d.allowed)).toEqual([true, true, true, false]);
    // The fourth waits until the first leaves the window (at 1000 ms): Retry-After rounds up to 1 s.
    expect(at(300)).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 1 });
    expect(at(999).allowed).toBe(false);
    expect(at(1000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses the eleventh of requests spaced exactly 100 ms apart when one arrives a millisecond early', () => {
    // A client pacing at exactly the limit has no margin: one early arrival puts 11 into a window.
    const clock = fakeClock(0);
    const window = new SlidingWindow(10, clock.now);
    const arrivals = Array.from({ length: 30 }, (_, k) => k * 100 - (k === 20 ? 1 : 0));
    const refused = arrivals.filter((ms) => {
      clock.advance(ms - clock.now());
      return !window.take().allowed;
    });
    expect(refused).toEqual([1999]);
  });

  it('never refuses a client with 5 % headroom and 20 ms of jitter', () => {
    const clock = fakeClock(0);
    const window = new SlidingWindow(10, clock.now);
    let jitterSeed = 7;
    const jitter = () => {
      jitterSeed = (jitterSeed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (jitterSeed / 2 ** 31) * 20;
    };
    const arrivals = Array.from({ length: 2_000 }, (_, k) => k * (1000 / 9.5) + jitter()).sort(
      (a, b) => a - b,
    );
    const refused = arrivals.filter((ms) => {
      clock.advance(ms - clock.now());
      return !window.take().allowed;
    });
    expect(refused).toEqual([]);
  });
});

describe('FixedWindow', () => {
  it('admits rps requests per wall-clock second and resets on the boundary', () => {
    const clock = fakeClock(0);
    const window = new FixedWindow(2, clock.now);
    const at = (ms: number) => {
      clock.advance(ms - clock.now());
      return window.take();
    };
    expect([at(0), at(10), at(20)].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(at(980)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    // A burst can straddle the boundary: two at the end of one second, two at the start of the next.
    expect([at(1000), at(1001), at(1002)].map((d) => d.allowed)).toEqual([true, true, false]);
  });
});

describe('createRateLimiter', () => {
  it('builds each kind, the strict sliding window by default, and a token bucket with its own burst', () => {
    expect(createRateLimiter({ rps: 5 }).kind).toBe('sliding-window');
    for (const kind of RATE_LIMITER_KINDS) expect(createRateLimiter({ rps: 5, kind }).kind).toBe(kind);
    const clock = fakeClock();
    const bucket = createRateLimiter({ rps: 5, kind: 'token-bucket', burst: 2, now: clock.now });
    expect([bucket.take(), bucket.take(), bucket.take()].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(() => createRateLimiter({ rps: 5, kind: 'token-bucket', burst: 0 })).toThrow(RangeError);
  });
});
