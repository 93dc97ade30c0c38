import { describe, expect, it } from 'vitest';
import type { PollCheckpoint } from '#shared/poll/poll-checkpoint.ts';
import { checkpointMayReplace } from '#shared/poll/poll-checkpoint.ts';
import { packCheckpoint, unpackCheckpoint } from '#shared/state/checkpoint-codec.ts';

const checkpoint: PollCheckpoint = {
  pollId: 'poll-1',
  startedAt: '2026-12-02T01:00:00.000Z',
  chunk: 3,
  baseline: true,
  listing: {
    state: 'ended',
    nextOffset: 300,
    total: 1_000,
    pages: 3,
    duplicates: 0,
    complete: false,
    reason: 'stopped',
    endedBy: 'stop',
    stalledChunks: 0,
  },
  seen: new Set([5, 1, 3]),
  totals: {
    counts: { seen: 3, discovered: 0, changed: 0, removed: 0, unchanged: 3 },
    events: 0,
    failed: 0,
    refusedStores: 0,
    stale: 0,
  },
  dspm: { requests: 7, retries: 0, throttled: 0 },
};

describe('a stored poll checkpoint', () => {
  it('reads back as it was written', () => {
    const read = unpackCheckpoint(packCheckpoint(checkpoint));
    expect({ ...read, seen: [...read.seen] }).toEqual({ ...checkpoint, seen: [1, 3, 5] });
  });

  it('names the field that does not parse, never resuming from garbage', () => {
    const packed = packCheckpoint(checkpoint);
    const header = JSON.parse(packed.header);
    header.listing.nextOffset = -4;
    expect(() => unpackCheckpoint({ ...packed, header: JSON.stringify(header) })).toThrow(
      /poll checkpoint is malformed at listing\.nextOffset/,
    );
    expect(() => unpackCheckpoint({ ...packed, header: '{' })).toThrow(/not JSON/);
  });

  it('replaces only an earlier chunk of the same poll, or nothing', () => {
    expect(checkpointMayReplace(undefined, checkpoint)).toBe(true);
    expect(checkpointMayReplace({ pollId: 'poll-1', chunk: 2 }, checkpoint)).toBe(true);
    expect(checkpointMayReplace({ pollId: 'poll-1', chunk: 3 }, checkpoint)).toBe(false);
    expect(checkpointMayReplace({ pollId: 'poll-0', chunk: 1 }, checkpoint)).toBe(false);
  });
});
