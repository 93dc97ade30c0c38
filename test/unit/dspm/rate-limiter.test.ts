import { describe, expect, it } from 'vitest';
import { PacingDeadlineError, RateLimiter } from '#shared/dspm/rate-limiter.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** Start times of `count` callers that all ask at once. */
async function startTimes(limiter: RateLimiter, clock: FakeClock, count: number): Promise<number[]> {
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      limiter.acquire().then(() => {
        started.push(clock.now());
      }),
    ),
  );
  return started;
}

/** Gaps between consecutive start times. */
const gaps = (times: readonly number[]) => times.slice(1).map((time, i) => time - (times[i] as number));

describe('RateLimiter pacing', () => {
  it('spaces fifty concurrent callers evenly, in call order, at the rate less the headroom', async () => {
    // Arrange: 10 requests/s with the default 5 % headroom is one request every 1000 / 9.5 ms.
    const clock = new FakeClock(1_000);
    const limiter = new RateLimiter(10, clock);
    // Act
    const started = await startTimes(limiter, clock, 50);
    // Assert
    for (const gap of gaps(started)) expect(gap).toBeCloseTo(1000 / 9.5, 6);
    expect(limiter.waitedMs).toBeCloseTo((49 * 50 * (1000 / 9.5)) / 2, 3);
  });

  it('paces at exactly the configured rate with no headroom', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock, { headroom: 0 });
    const started = await startTimes(limiter, clock, 11);
    expect(started).toEqual(Array.from({ length: 11 }, (_, k) => k * 100));
  });

  it('keeps the full gap after a timer that fired late, so a strict window never sees a squeeze', async () => {
    // Arrange: the second caller's timer fires 60 ms late.
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock, { headroom: 0 });
    const realSleep = clock.sleep.bind(clock);
    let late = true;
    clock.sleep = async (ms) => {
      await realSleep(ms + (late ? 60 : 0));
      late = false;
    };
    // Act
    const started = await startTimes(limiter, clock, 4);
    // Assert: 0, 160 (late), then 100 ms after each actual start, never 40 ms.
    expect(started).toEqual([0, 160, 260, 360]);
  });

  it('does not wait when callers come slower than the rate', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(5, clock);
    for (let i = 0; i < 5; i++) {
      await limiter.acquire();
      clock.nowMs += 250;
    }
    expect(clock.sleeps).toEqual([]);
  });

  it('holds every caller behind a pause the server asked for', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(100, clock, { headroom: 0 });
    limiter.pauseUntil(2_000);
    const started = await startTimes(limiter, clock, 3);
    expect(started).toEqual([2_000, 2_010, 2_020]);
  });

  it('moves a caller who was already waiting behind a pause announced meanwhile', async () => {
    // Arrange: a clock whose sleep lets the test announce a pause while the caller sleeps.
    const clock = new FakeClock();
    const limiter = new RateLimiter(1, clock);
    await limiter.acquire();
    const realSleep = clock.sleep.bind(clock);
    let paused = false;
    clock.sleep = async (ms) => {
      if (!paused) {
        paused = true;
        limiter.pauseUntil(5_000);
      }
      await realSleep(ms);
    };
    // Act
    await limiter.acquire();
    // Assert
    expect(clock.now()).toBeGreaterThanOrEqual(5_000);
  });

  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('refuses a rate of %s', (rps) => {
    expect(() => new RateLimiter(rps)).toThrow(RangeError);
  });

  it.each([[{ headroom: 1 }], [{ headroom: -0.1 }], [{ decrease: 1 }], [{ floor: 0 }]])(
    'refuses the setting %o',
    (settings) => {
      expect(() => new RateLimiter(10, new FakeClock(), settings)).toThrow(RangeError);
    },
  );
});

describe('RateLimiter learning', () => {
  it('cuts the rate on a 429 and climbs back additively, to just under the rate that was refused', () => {
    // Arrange
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock, { headroom: 0.05, decrease: 0.5, recoverySeconds: 10 });
    // Act
    limiter.throttled();
    const cut = limiter.state;
    clock.nowMs += 2_000;
    const climbing = limiter.state;
    clock.nowMs += 30_000;
    const settled = limiter.state;
    clock.nowMs += 60_000;
    const probed = limiter.state;
    // Assert: 9.5 halves to 4.75, climbs 0.95/s, and stops at 9.5 * 0.95 (the learned ceiling).
    expect(cut).toMatchObject({ throttles: 1 });
    expect(cut.rps).toBeCloseTo(4.75, 6);
    expect(climbing.rps).toBeCloseTo(4.75 + 2 * 0.95, 6);
    expect(settled.ceilingRps).toBeLessThan(9.5);
    expect(settled.rps).toBeCloseTo(settled.ceilingRps, 6);
    // A quiet minute later the ceiling probes back up to the configured rate less headroom.
    expect(probed.ceilingRps).toBeCloseTo(9.5, 6);
  });

  it('settles under a tenant that allows less than configured, and probes higher only after a quiet spell', () => {
    // Arrange: configured 10/s, but every time the rate exceeds 5/s the tenant refuses.
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock, { probeSeconds: 60 });
    let refusals = 0;
    // Act: ten simulated minutes, one look per 100 ms.
    for (let step = 0; step < 6_000; step++) {
      clock.nowMs += 100;
      if (limiter.state.rps > 5) {
        refusals++;
        limiter.throttled();
      }
    }
    // Assert: a handful of refusals to learn, then about one probe per minute.
    expect(refusals).toBeLessThanOrEqual(15);
    expect(limiter.state.ceilingRps).toBeLessThanOrEqual(5.5);
    expect(limiter.state.rps).toBeGreaterThan(3);
  });

  it('never paces above a limit the tenant announced, less headroom', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock);
    limiter.announcedLimit(4);
    const started = await startTimes(limiter, clock, 3);
    for (const gap of gaps(started)) expect(gap).toBeCloseTo(1000 / 3.8, 6);
    // A higher announcement does not lift it above the configured rate.
    limiter.announcedLimit(100);
    expect(limiter.state.rps).toBeLessThanOrEqual(9.5);
  });

  it('never drops below its floor however many 429s come', () => {
    const limiter = new RateLimiter(10, new FakeClock(), { floor: 0.1 });
    for (let i = 0; i < 100; i++) limiter.throttled();
    expect(limiter.state.rps).toBeCloseTo(1, 6);
  });
});

describe('RateLimiter deadline', () => {
  it('fails a caller whose turn would come after the deadline, and lets the ones before it through', async () => {
    // Arrange: a 30 s pause, but only 10 s of budget left.
    const clock = new FakeClock(0);
    const limiter = new RateLimiter(10, clock);
    await limiter.acquire();
    limiter.setDeadline(10_000);
    limiter.pauseUntil(30_000);
    // Act
    const outcome = await limiter.acquire().catch((error: unknown) => error);
    // Assert
    expect(outcome).toBeInstanceOf(PacingDeadlineError);
    expect((outcome as Error).message).toMatch(/next request could go in 30000 ms, but only 10000 ms/);
    expect(clock.now()).toBe(0);
    // Without the deadline, the next caller waits out the pause as before.
    limiter.setDeadline(undefined);
    await limiter.acquire();
    expect(clock.now()).toBe(30_000);
  });
});
