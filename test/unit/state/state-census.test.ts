/**
 * The census counts suppressed findings on the same walk as the open ones: an open finding whose
 * state names its exception (`suppressedBy`) counts in both; a resolved one in neither.
 */
import { describe, expect, it } from 'vitest';
import type { FindingState } from '#shared/findings/finding-state.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { countStores, newCensus, openByCondition } from '#shared/state/state-census.ts';

function finding(changes: Partial<FindingState>): FindingState {
  return {
    status: 'open',
    severity: 'medium',
    occurrence: 1,
    sequence: 1,
    openedAt: '2026-11-01T00:00:00Z',
    baseline: false,
    ...changes,
  };
}

function store(storeId: number, findings: StoreRecord['findings'], removedAt?: string): StoreRecord {
  return { storeId, findings, ...(removedAt ? { removedAt } : {}) } as StoreRecord;
}

describe('the state census', () => {
  it('counts open findings an exception suppresses, in the open counts too', () => {
    const census = newCensus();
    countStores(census, [
      store(1, {
        'encryption-off': finding({ suppressedBy: 'exc-0000000000000001' }),
        'high-risk': finding({}),
      }),
      // Not a state the bridge writes (a resolve drops `suppressedBy`); held here to be left out.
      store(2, { 'encryption-off': finding({ status: 'resolved', suppressedBy: 'exc-0000000000000001' }) }),
      store(
        3,
        { 'encryption-off': finding({ suppressedBy: 'exc-0000000000000001' }) },
        '2026-12-01T00:00:00Z',
      ),
    ]);
    expect(census.suppressed).toBe(1);
    expect(openByCondition(census)).toEqual({ 'encryption-off': 1, 'high-risk': 1 });
    expect(census.stores).toBe(2);
  });
});
