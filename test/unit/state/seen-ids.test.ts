/**
 * The packed set of seen ids a checkpoint would carry: it round-trips exactly, and 1,000,000 ids
 * fit DynamoDB's 400 KB item limit whether they are consecutive, dense with gaps, or sparse.
 */
import { describe, expect, it } from 'vitest';
import { chunkBytes, decodeSeenIds, encodeSeenIds } from '#shared/state/seen-ids.ts';

/** DynamoDB's item size limit. */
const ITEM_LIMIT = 400 * 1024;

/** A seeded generator (mulberry32), so the sets are the same every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const consecutive = Array.from({ length: 1_000_000 }, (_, i) => i + 1);
const next = random(15);
/** 1,000,000 ids among 1,100,000: one in eleven missing, at random. */
const dense = Array.from({ length: 1_100_000 }, (_, i) => i + 1)
  .filter(() => next() > 1 / 11)
  .slice(0, 1_000_000);
/** 1,000,000 ids spread over 50,000,000. */
const sparse = [
  ...new Set(Array.from({ length: 1_050_000 }, () => 1 + Math.floor(next() * 50_000_000))),
].slice(0, 1_000_000);

describe('the packed set of seen ids', () => {
  it.each([
    ['consecutive', consecutive],
    ['dense with gaps', dense],
    ['sparse', sparse],
  ])('round-trips 1,000,000 %s ids and fits one 400 KB item or a few', (_kind, ids) => {
    const packed = encodeSeenIds(ids);
    expect(decodeSeenIds(packed)).toEqual([...ids].sort((a, b) => a - b));
    const chunks = chunkBytes(packed, ITEM_LIMIT - 1024);
    expect(chunks.every((chunk) => chunk.length <= ITEM_LIMIT - 1024)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(packed));
    // Recorded so the choice of packing stays measured (see docs/reliability.md).
    process.stdout.write(`seen ids, ${_kind}: ${packed.length} bytes, ${chunks.length} item(s)\n`);
  });

  it('keeps the smaller packing: consecutive ids as one run, dense ones as a bitmap', () => {
    expect(encodeSeenIds(consecutive).length).toBeLessThan(16);
    expect(encodeSeenIds(dense).length).toBeLessThanOrEqual(Math.ceil(1_100_000 / 8) + 16);
  });

  it('ignores order and duplicates, and packs the empty set', () => {
    expect(decodeSeenIds(encodeSeenIds([9, 3, 3, 4, 9, 1]))).toEqual([1, 3, 4, 9]);
    expect(decodeSeenIds(encodeSeenIds([]))).toEqual([]);
  });

  it('refuses what is not a packed set, naming what is wrong', () => {
    expect(() => decodeSeenIds(Uint8Array.from([7, 1, 2]))).toThrow(/format byte 7/);
    expect(() => decodeSeenIds(Uint8Array.from([1, 0x81]))).toThrow(/end inside a number/);
    expect(() => encodeSeenIds([-3])).toThrow(/non-negative integers/);
    expect(() => chunkBytes(new Uint8Array(3), 0)).toThrow(/positive integer/);
  });
});
