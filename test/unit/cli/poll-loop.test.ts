import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { retryDelayMs, runPollLoop } from '../../../cli/poll-loop.ts';

describe('the poll loop', () => {
  it('retries a failed pass after an eighth of the interval, doubling up to the interval', () => {
    expect([1, 2, 3, 4, 5, 20].map((failures) => retryDelayMs(failures, 800))).toEqual([
      100, 200, 400, 800, 800, 800,
    ]);
  });

  it('goes on after passes that throw or fail, logs each, and stops only on the signal', async () => {
    const stop = new AbortController();
    const script: (() => Promise<boolean>)[] = [
      () => Promise.reject(new Error('catalog unavailable')),
      () => Promise.reject(new Error('state table unavailable')),
      () => Promise.resolve(false),
      () => Promise.resolve(true),
      () => Promise.reject(new Error('catalog unavailable')),
      () => Promise.resolve(true),
    ];
    const log: string[] = [];
    const listeners: number[] = [];
    let calls = 0;
    const result = await runPollLoop({
      intervalMs: 8,
      stopSignal: stop.signal,
      log: (line) => log.push(line),
      pass: async () => {
        listeners.push(getEventListeners(stop.signal, 'abort').length);
        const step = script[calls++];
        if (!step || calls >= 40) {
          stop.abort();
          return true;
        }
        return step();
      },
    });
    expect(result).toEqual({ passes: 7, failed: 4 });
    expect(log).toEqual([
      'poll pass failed: catalog unavailable; next pass in 1 ms',
      'poll pass failed (2 in a row): state table unavailable; next pass in 2 ms',
      'poll pass failed (3 in a row); next pass in 4 ms',
      'poll pass failed: catalog unavailable; next pass in 1 ms',
    ]);
    // No wait leaves its listener behind on the signal.
    expect(listeners.every((count) => count === 0)).toBe(true);
  });

  it('does not start a pass once stopped', async () => {
    const stop = new AbortController();
    stop.abort();
    let passes = 0;
    await runPollLoop({
      intervalMs: 1000,
      stopSignal: stop.signal,
      log: () => {},
      pass: async () => ++passes > 0,
    });
    expect(passes).toBe(0);
  });
});
