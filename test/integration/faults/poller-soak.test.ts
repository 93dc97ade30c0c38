/**
 * The poller's guarantees under random fault schedules (seeded, so a failure replays): DSPM faults,
 * stores changing mid-listing, refused events and commits, crashes after publishing and while
 * committing. See bench/lib/soak-run.ts for what is injected and what is checked after every poll.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../../bench/lib/soak-run.ts';

describe('the poller under random faults', () => {
  it('keeps every guarantee across many small fault schedules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.1, max: 0.7, noNaN: true }),
        async (seed, faultRate) => {
          const report = await runSoak({ polls: 8, seed, faultRate, stores: 40 });
          expect(report.violations).toEqual([]);
        },
      ),
      // Fixed seed: the same schedules every run; a failure prints the seed and path to replay it.
      { seed: 20_261_122, numRuns: 15 },
    );
  });

  it('keeps every guarantee through a short soak with faults on, and converges once they stop', async () => {
    const report = await runSoak({ polls: 60, seed: 11, faultRate: 0.4 });
    expect(report.violations).toEqual([]);
    // The soak was not quiet: faults of every kind were injected and survived.
    expect(report.faults.dspm).toBeGreaterThan(5);
    expect(report.faults.refusedEvents).toBeGreaterThan(0);
    expect(report.faults.crashes).toBeGreaterThan(0);
    expect(report.incomplete).toBeGreaterThan(0);
    expect(report.events.resent).toBeGreaterThan(0);
  });
});
