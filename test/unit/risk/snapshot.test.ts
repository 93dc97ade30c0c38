import { describe, expect, it } from 'vitest';
import type { ConnectedDataStore } from '#shared/dspm/schemas.ts';
import { checkBands, DEFAULT_RISK_BANDS, riskLevel } from '#shared/risk/levels.ts';
import { fingerprint, sameSnapshot, storeMatchesSnapshot, takeSnapshot } from '#shared/risk/snapshot.ts';
import { DEFAULT_WATCHED_FIELDS } from '#shared/risk/watched-fields.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const guideStores = () =>
  loadFixture<{ results: ConnectedDataStore[] }>('dspm/connected-data-stores.response.json').results;

describe('takeSnapshot', () => {
  it("reads the guide's store 3, turning -1 into null", () => {
    const store = guideStores()[2] as ConnectedDataStore;
    const snapshot = takeSnapshot(store, DEFAULT_WATCHED_FIELDS);
    expect(snapshot).toMatchObject({
      data_store_risk_rating: null,
      over_privileged_risk_score: null,
      data_store_sensitivity_score: 20,
      encryption: 'On',
      data_tags: [],
    });
    expect(Object.keys(snapshot)).toEqual(DEFAULT_WATCHED_FIELDS);
  });

  it('sorts tag ids and drops duplicates, so order never looks like a change', () => {
    const store = { ...(guideStores()[0] as ConnectedDataStore), data_tags: [9, 3, 9, 1] };
    expect(takeSnapshot(store, ['data_tags'])).toEqual({ data_tags: [1, 3, 9] });
  });

  it('reads a missing field as unknown', () => {
    const { encryption: _dropped, ...store } = guideStores()[0] as ConnectedDataStore;
    expect(takeSnapshot(store as ConnectedDataStore, ['encryption'])).toEqual({ encryption: null });
  });
});

describe('fingerprint and sameSnapshot', () => {
  it('are the same for equal snapshots whatever the key order', () => {
    const a = { encryption: 'On', data_tags: [1, 2], data_store_risk_rating: 5 };
    const b = { data_store_risk_rating: 5, data_tags: [1, 2], encryption: 'On' };
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSnapshot(a, b)).toBe(true);
  });

  it.each([
    [{ data_store_risk_rating: 5 }, { data_store_risk_rating: 6 }],
    [{ data_tags: [1] }, { data_tags: [1, 2] }],
    [{ encryption: 'On' }, { encryption: null }],
    [{ encryption: 'On' }, { encryption: 'On', backup: 'On' }],
  ])('tell %o from %o', (a, b) => {
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(sameSnapshot(a, b)).toBe(false);
  });
});

describe('riskLevel', () => {
  it.each([
    [null, 'unknown'],
    [0, 'low'],
    [24.9, 'low'],
    [25, 'medium'],
    [49, 'medium'],
    [50, 'high'],
    [74, 'high'],
    [75, 'critical'],
    [100, 'critical'],
  ])('grades %s as %s with the default bands', (rating, level) => {
    expect(riskLevel(rating, DEFAULT_RISK_BANDS)).toBe(level);
  });

  it('follows configured bands', () => {
    expect(riskLevel(30, { low: 10, medium: 20, high: 30 })).toBe('critical');
  });

  it('refuses bands that do not increase', () => {
    expect(() => checkBands({ low: 50, medium: 40, high: 90 })).toThrow(/must increase/);
  });
});

describe('storeMatchesSnapshot (the allocation-free fast path)', () => {
  const base = guideStores()[0] as ConnectedDataStore;
  const committed = takeSnapshot({ ...base, data_tags: [1000004, 1000007] }, DEFAULT_WATCHED_FIELDS);

  it.each<[string, Partial<ConnectedDataStore>]>([
    ['the same store', { data_tags: [1000004, 1000007] }],
    ['tags in another order', { data_tags: [1000007, 1000004] }],
    ['a duplicated tag', { data_tags: [1000004, 1000007, 1000004] }],
    ['a tag removed', { data_tags: [1000004] }],
    ['a tag swapped', { data_tags: [1000004, 1000009] }],
    ['no tags field', { data_tags: undefined }],
    ['a score changed', { data_tags: [1000004, 1000007], data_store_risk_rating: 99 }],
    ['a score becoming -1', { data_tags: [1000004, 1000007], data_store_risk_rating: -1 }],
    ['a toggle changed', { data_tags: [1000004, 1000007], encryption: 'On' }],
    ['a toggle missing', { data_tags: [1000004, 1000007], backup: undefined }],
    ['a field that is not watched changed', { data_tags: [1000004, 1000007], table_count: 999 }],
  ])('agrees with building and comparing snapshots for %s', (_case, change) => {
    const store = { ...base, ...change } as ConnectedDataStore;
    expect(storeMatchesSnapshot(store, committed, DEFAULT_WATCHED_FIELDS)).toBe(
      sameSnapshot(takeSnapshot(store, DEFAULT_WATCHED_FIELDS), committed),
    );
  });

  it('says no when the committed snapshot lacks a watched field', () => {
    expect(storeMatchesSnapshot(base, { encryption: 'Off' }, ['encryption', 'backup'])).toBe(false);
  });
});
