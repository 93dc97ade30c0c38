/**
 * The clock port: every use case, adapter and test takes time from here, never from `Date` or
 * timers directly, so tests move time by hand and nothing sleeps for real.
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
