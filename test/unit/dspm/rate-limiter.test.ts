import { describe, expect, it } from 'vitest';
import { RateLimiter } from '#shared/dspm/rate-limiter.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

describe('RateLimiter', () => {
  it('spaces fifty concurrent callers evenly at the configured rate', async () => {
    // Arrange
    const clock = new FakeClock(1_000);
    const limiter = new RateLimiter(10, clock);
    const started: number[] = [];
    // Act: every caller asks at the same instant; the fake sleep moves time as each one waits.
    const sleepsBefore = clock.sleeps.length;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        limiter.acquire().then(() => {
          started.push(clock.now());
        }),
      ),
    );
    // Assert: slot k is at k * 100 ms, asked for in call order.
    expect(clock.sleeps.slice(sleepsBefore)).toEqual(Array.from({ length: 49 }, (_, k) => (k + 1) * 100));
    expect(limiter.waitedMs).toBe((49 * 50 * 100) / 2);
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
    const limiter = new RateLimiter(100, clock);
    limiter.pauseUntil(2_000);
    await limiter.acquire();
    expect(clock.now()).toBe(2_000);
    await limiter.acquire();
    expect(clock.now()).toBe(2_010);
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
});
