/**
 * The rate-budget item in memory, for consumers that share one process (the unit tests on an
 * injected clock, the bench's in-process scenarios). Same conditions as the state table's item
 * (budget-item.ts), checked by one contract test against both.
 */
import type { BudgetItem, WholeClaim } from './budget-item.ts';

/** One tenant's rate-budget item, in memory. */
export class MemoryBudgetItem implements BudgetItem {
  holder: string | undefined;
  leaseUntilMs: number | undefined;
  demandUntilMs: number | undefined;
  /** Calls so far (each is one write unit in the state table). */
  calls = 0;

  async claimWhole(holder: string, nowMs: number, untilMs: number): Promise<WholeClaim> {
    this.calls++;
    const demandLive = this.demandUntilMs !== undefined && this.demandUntilMs >= nowMs;
    const otherHolds =
      this.leaseUntilMs !== undefined && this.holder !== holder && this.leaseUntilMs >= nowMs;
    if (demandLive || otherHolds) {
      const busy = Math.max(this.demandUntilMs ?? 0, this.leaseUntilMs ?? 0);
      return { held: false, busyUntilMs: busy > 0 ? busy : undefined };
    }
    this.holder = holder;
    this.leaseUntilMs = untilMs;
    return { held: true };
  }

  async announceDemand(untilMs: number): Promise<{ readonly leaseUntilMs: number }> {
    this.calls++;
    this.demandUntilMs = untilMs;
    return { leaseUntilMs: this.leaseUntilMs ?? 0 };
  }
}
