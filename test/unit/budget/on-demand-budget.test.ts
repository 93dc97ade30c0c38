/**
 * The budget on demand on an injected clock: the holder paces at the whole limit while nobody else
 * needs any of it, yields at once to demand, and takes the whole back only after the demand ran
 * out; a demander waits out the holder's lease and one strict window; a failing coordination
 * leaves each at its static share with one log line.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { BudgetItem } from '#shared/budget/budget-item.ts';
import { DemandShare } from '#shared/budget/demand-share.ts';
import { MemoryBudgetItem } from '#shared/budget/memory-budget-item.ts';
import { BUDGET_TIMING } from '#shared/budget/on-demand-budget.ts';
import { WholeBudgetLease } from '#shared/budget/whole-budget-lease.ts';
import { RateLimiter } from '#shared/dspm/rate-limiter.ts';
import { Capture } from '../../helpers/capture.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const T0 = 1_800_000_000_000;
const { leaseMs, renewAheadMs, windowMs, guardMs, demandMs, retryAfterMs } = BUDGET_TIMING;

/** An item whose every call fails the way an unreachable table does. */
const brokenItem: BudgetItem = {
  claimWhole: async () => {
    throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
  },
  announceDemand: async () => {
    throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ThrottlingException',
    });
  },
};

describe('the budget on demand', () => {
  let clock: FakeClock;
  let item: MemoryBudgetItem;
  let logger: Capture;
  const participant = (role: string, staticRps: number) => ({
    clock,
    logger,
    tenant: 'tenant.example',
    role,
    staticRps,
    timing: BUDGET_TIMING,
  });
  const holder = (over: Partial<{ item: BudgetItem }> = {}) =>
    new WholeBudgetLease({ ...participant('poller', 2), item, wholeRps: 5, holder: 'poller-1', ...over });
  const demander = (over: Partial<{ item: BudgetItem }> = {}) =>
    new DemandShare({ ...participant('tagger', 1), item, ...over });

  beforeEach(() => {
    clock = new FakeClock(T0);
    item = new MemoryBudgetItem();
    logger = new Capture();
  });

  it('gives a holder alone the whole limit, renewing its short lease a few times a second', async () => {
    // Arrange
    const lease = holder();
    const rates: number[] = [];
    // Act: ten seconds of requests at the whole pace.
    for (let t = 0; t < 10_000; t += 210) {
      clock.nowMs = T0 + t;
      rates.push(await lease.rate());
    }
    // Assert: every request at the whole limit, the lease claimed once per (lease - renew ahead).
    expect(new Set(rates)).toEqual(new Set([5]));
    expect(item.holder).toBe('poller-1');
    const perSecond = item.calls / 10;
    expect(perSecond).toBeGreaterThan(1000 / leaseMs);
    expect(perSecond).toBeLessThanOrEqual(1000 / (leaseMs - renewAheadMs) + 0.1);
  });

  it('makes a demander wait out the holder lease and one strict window, then pace at its static share', async () => {
    // Arrange: the holder claimed at T0; the demander comes 100 ms later.
    const lease = holder();
    expect(await lease.rate()).toBe(5);
    clock.nowMs = T0 + 100;
    // Act
    const rate = await demander().rate();
    // Assert: it slept until the lease's end plus the window and the guard, not a moment less.
    expect(rate).toBe(1);
    expect(clock.now()).toBe(T0 + leaseMs + windowMs + guardMs);
    expect(clock.sleeps).toEqual([leaseMs + windowMs + guardMs - 100]);
    expect(item.demandUntilMs).toBe(T0 + 100 + demandMs);
  });

  it('drops the holder to its static share as soon as a renewal finds demand, lease time left or not', async () => {
    // Arrange
    const lease = holder();
    expect(await lease.rate()).toBe(5);
    clock.nowMs = T0 + 10;
    await item.announceDemand(T0 + 10 + demandMs);
    // Act: a turn with lease left but within the renewal margin starts the renewal beside it ...
    clock.nowMs = T0 + leaseMs - renewAheadMs;
    const duringRenewal = await lease.rate();
    await new Promise((resolve) => setImmediate(resolve));
    const afterAnswer = await lease.rate();
    // Assert: ... which keeps the lease DynamoDB confirmed, until the refusal drops it at once;
    // the lease in the item was not extended.
    expect(duringRenewal).toBe(5);
    expect(afterAnswer).toBe(2);
    expect(clock.now()).toBeLessThan(T0 + leaseMs);
    expect(item.leaseUntilMs).toBe(T0 + leaseMs);
  });

  it('keeps the holder at its static share without asking while the demand lasts, and gives the whole back after', async () => {
    // Arrange: demand announced, holder refused once.
    const lease = holder();
    await demander().rate();
    expect(await lease.rate()).toBe(2);
    const callsAfterRefusal = item.calls;
    const demandEnds = item.demandUntilMs as number;
    // Act + Assert: no claim while the demand lasts ...
    clock.nowMs = demandEnds - 1;
    expect(await lease.rate()).toBe(2);
    expect(item.calls).toBe(callsAfterRefusal);
    // ... and the whole limit right after it ran out.
    clock.nowMs = demandEnds + 1;
    expect(await lease.rate()).toBe(5);
    expect(item.calls).toBe(callsAfterRefusal + 1);
  });

  it('renews a demander announcement before it gets shorter than a window and a margin', async () => {
    // Arrange
    const share = demander();
    await share.rate();
    const first = item.demandUntilMs as number;
    // Act: a request while plenty is left, then one when less than window + guard + 1 s is left.
    clock.nowMs = first - windowMs - guardMs - 1_000 + 1;
    await share.rate();
    const kept = item.demandUntilMs;
    clock.nowMs = first - windowMs - guardMs - 1_000 - 1 + 2;
    await share.rate();
    // Assert: the announcement moved on only when it had to, and always covers the window.
    expect(kept).toBeGreaterThan(first);
    expect((item.demandUntilMs as number) - clock.now()).toBeGreaterThanOrEqual(windowMs + guardMs);
    expect(item.calls).toBe(2);
  });

  it('never lets a second holder take a lease another still holds', async () => {
    // Arrange
    expect(await holder().rate()).toBe(5);
    // Act
    const second = new WholeBudgetLease({ ...participant('cli', 2), item, wholeRps: 5, holder: 'cli-1' });
    // Assert
    expect(await second.rate()).toBe(2);
    expect(item.holder).toBe('poller-1');
  });

  it.each([
    [
      'holder',
      2,
      () => holder({ item: brokenItem }),
      'claiming the whole rate budget',
      'ResourceNotFoundException',
      [],
    ],
    [
      'demander',
      1,
      () => demander({ item: brokenItem }),
      'announcing demand for the rate budget',
      'ThrottlingException',
      // A lease granted just before lapses, and its requests leave the window, before it sends.
      [leaseMs + windowMs + guardMs],
    ],
  ] as const)(
    'falls back to the static share when the coordination fails (%s), with one log line',
    async (_role, staticRps, gate, failed, reason, waits) => {
      // Arrange
      const budget = gate();
      // Act: a run of turns within the retry period.
      const rates = [];
      for (let t = 0; t < retryAfterMs; t += 500) {
        clock.nowMs = Math.max(clock.nowMs, T0 + t);
        rates.push(await budget.rate());
      }
      // Assert: static every time, at most one wait, and one line naming what failed and why.
      expect(new Set(rates)).toEqual(new Set([staticRps]));
      expect(clock.sleeps).toEqual(waits);
      const warnings = logger.lines.filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.attributes[0]).toMatchObject({ failed, staticRps, retryInMs: retryAfterMs });
      expect(String(warnings[0]?.attributes[0]?.reason)).toContain(reason);
    },
  );

  it('tries the coordination again after the retry period', async () => {
    // Arrange: a holder whose first claim failed.
    let broken = true;
    const healing: BudgetItem = {
      claimWhole: (...args) => (broken ? brokenItem.claimWhole(...args) : item.claimWhole(...args)),
      announceDemand: (until) => item.announceDemand(until),
    };
    const lease = holder({ item: healing });
    expect(await lease.rate()).toBe(2);
    broken = false;
    // Act + Assert
    clock.nowMs = T0 + retryAfterMs - 1;
    expect(await lease.rate()).toBe(2);
    clock.nowMs = T0 + retryAfterMs;
    expect(await lease.rate()).toBe(5);
  });
});

describe('a rate limiter driven by a budget', () => {
  it('paces at whatever rate the budget gives for each turn', async () => {
    // Arrange: the budget gives 5 requests/s for two turns, then 2.
    const clock = new FakeClock(T0);
    const limiter = new RateLimiter(2, clock);
    const rates = [5, 5, 5, 2, 2];
    limiter.useBudget(async () => rates.shift() ?? 2);
    // Act
    await limiter.acquire();
    await limiter.acquire();
    await limiter.acquire();
    // Assert: the gap after the first request is the whole limit's (less 5 % headroom), the next the static share's.
    expect(clock.sleeps[0]).toBeCloseTo(1000 / (5 * 0.95), 3);
    expect(clock.sleeps.at(-1)).toBeCloseTo(1000 / (2 * 0.95), 3);
    expect(clock.now() - T0).toBeCloseTo(1000 / (5 * 0.95) + 1000 / (2 * 0.95), 3);
  });
});
