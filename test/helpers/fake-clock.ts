import type { Clock } from '#shared/clock.ts';

/**
 * A clock that never really waits: `sleep` records the request and moves virtual time to the sleeper's wake-up time, so
 * timing tests run in microseconds and assert on what was asked, not on how long it took.
 */
export class FakeClock implements Clock {
  nowMs: number;
  readonly sleeps: number[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    // Each sleeper wakes at its own time; concurrent sleepers do not add up.
    const wakeAt = this.nowMs + Math.max(0, ms);
    await Promise.resolve();
    this.nowMs = Math.max(this.nowMs, wakeAt);
  }
}
