import { describe, expect, it } from 'vitest';
import { chunkStopAt, dspmDeadline } from '#shared/poll/time-budget.ts';

describe('the time budget of a chunk', () => {
  it('stops listing well before DSPM calls must stop, which is well before the timeout', () => {
    const now = 1_000_000;
    const remaining = 600_000;
    expect(chunkStopAt(now, remaining)).toBe(now + 355_000);
    expect(dspmDeadline(now, remaining)).toBe(now + 475_000);
    expect(chunkStopAt(now, remaining)).toBeLessThan(dspmDeadline(now, remaining));
  });

  it('takes a shorter budget when one is given, and never a stop time in the past', () => {
    expect(chunkStopAt(0, 600_000, 60_000)).toBe(60_000);
    expect(chunkStopAt(0, 600_000, 900_000)).toBe(355_000);
    expect(chunkStopAt(5, 1_000)).toBe(5);
  });
});
