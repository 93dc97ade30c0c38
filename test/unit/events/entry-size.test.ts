import { describe, expect, it } from 'vitest';
import { batchBySize, entrySize, MAX_PUT_EVENTS_BYTES } from '#shared/events/entry-size.ts';

describe('entrySize', () => {
  it('counts UTF-8 bytes of source, detail type, detail and resources, plus 14 for the time', () => {
    expect(
      entrySize({ Source: 'netskope.dspm', DetailType: 'x', Detail: '{"a":"é"}', Resources: ['arn:1'] }),
    ).toBe(14 + 13 + 1 + 10 + 5);
  });
});

describe('batchBySize', () => {
  it('puts at most ten entries in a batch', () => {
    const batches = batchBySize(
      Array.from({ length: 23 }, (_, i) => i),
      () => 100,
    );
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
  });

  it('starts a new batch before 256 KB would be crossed, keeping order', () => {
    const sizes = [100_000, 100_000, 100_000, 10, 200_000];
    const batches = batchBySize(sizes, (size) => size);
    expect(batches).toEqual([[100_000, 100_000], [100_000, 10], [200_000]]);
    for (const batch of batches)
      expect(batch.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_PUT_EVENTS_BYTES);
  });

  it('returns nothing for nothing', () => {
    expect(batchBySize([], () => 1)).toEqual([]);
  });
});
