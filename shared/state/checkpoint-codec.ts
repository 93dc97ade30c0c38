/**
 * A poll checkpoint as the stores keep it: a JSON header (everything but the seen ids) and the
 * seen ids packed (`seen-ids.ts`), so even 1,000,000 ids fit a few DynamoDB items. The header is
 * checked when read back: a checkpoint that does not parse is an error naming the field, never a
 * poll resumed from garbage.
 */
import * as z from 'zod/mini';
import type { PollCheckpoint } from '../poll/poll-checkpoint.ts';
import { decodeSeenIdSet, encodeSeenIds } from './seen-ids.ts';

const count = z.number().check(z.int(), z.nonnegative());
const headerSchema = z.object({
  pollId: z.string().check(z.minLength(1)),
  startedAt: z.string(),
  chunk: count,
  baseline: z.boolean(),
  listing: z.object({
    state: z.enum(['listing', 'listed', 'ended']),
    nextOffset: count,
    total: z.optional(count),
    totalChangedTo: z.optional(count),
    pages: count,
    duplicates: count,
    complete: z.boolean(),
    reason: z.optional(z.string()),
    endedBy: z.optional(z.enum(['failure', 'stop'])),
    stalledChunks: count,
  }),
  totals: z.object({
    counts: z.object({ seen: count, discovered: count, changed: count, removed: count, unchanged: count }),
    events: count,
    failed: count,
    refusedStores: count,
    stale: count,
  }),
  dspm: z.object({ requests: count, retries: count, throttled: count }),
});

/** A checkpoint ready to store. */
export interface PackedCheckpoint {
  /** JSON of everything but the seen ids. */
  readonly header: string;
  /** The seen ids, packed. */
  readonly seen: Uint8Array;
}

/** Packs a checkpoint for a store. */
export function packCheckpoint(checkpoint: PollCheckpoint): PackedCheckpoint {
  const { seen, ...header } = checkpoint;
  return { header: JSON.stringify(header), seen: encodeSeenIds(seen) };
}

/**
 * Reads a stored checkpoint back.
 * @throws RangeError naming what does not parse.
 */
export function unpackCheckpoint(packed: PackedCheckpoint): PollCheckpoint {
  let json: unknown;
  try {
    json = JSON.parse(packed.header);
  } catch {
    throw new RangeError('the stored poll checkpoint is not JSON');
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(
      `the stored poll checkpoint is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return { ...parsed.data, seen: decodeSeenIdSet(packed.seen) };
}
