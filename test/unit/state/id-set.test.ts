import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '#shared/state/id-set.ts';
import { decodeSeenIdSet, encodeSeenIds } from '#shared/state/seen-ids.ts';

describe('a set of store ids', () => {
  it('holds what a Set holds, iterates ascending, and packs and unpacks to the same ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 0xffff_ffff })), {
          maxLength: 2_000,
        }),
        (ids) => {
          const set = IdSet.from(ids);
          const reference = new Set(ids);
          expect(set.size).toBe(reference.size);
          expect([...set]).toEqual([...reference].sort((a, b) => a - b));
          for (const id of ids.slice(0, 50)) expect(set.has(id)).toBe(true);
          expect(set.has(-1)).toBe(false);
          expect([...decodeSeenIdSet(encodeSeenIds(set))]).toEqual([...set]);
          expect([...IdSet.from(set)]).toEqual([...set]);
        },
      ),
      { seed: 20261202, numRuns: 200 },
    );
  });

  it('keeps dense groups as bitmaps across the switch, and a copy is its own', () => {
    const set = new IdSet();
    for (let id = 1; id <= 300_000; id++) set.add(id);
    set.add(5).add(300_000);
    expect(set.size).toBe(300_000);
    expect(set.has(255)).toBe(true);
    expect(set.has(300_001)).toBe(false);
    const copy = IdSet.from(set);
    copy.add(300_001);
    expect(set.has(300_001)).toBe(false);
    expect(copy.size).toBe(300_001);
  });

  it('refuses what is not a store id', () => {
    const set = new IdSet();
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) expect(() => set.add(bad)).toThrow(RangeError);
  });
});
