/**
 * What a chunk of a poll does next once its listing stopped (use case -> **domain**): go on in
 * the next chunk, or end the pass, listed to its end (complete or not) or ended early, and why.
 * Pure: the chunk's facts and its caller's policy in, the decision out. The reasons themselves
 * are built in incomplete-reason.ts.
 */
import { DspmTimeBudgetError } from '../dspm/errors.ts';
import {
  failedReason,
  listedPassReason,
  MAX_STALLED_CHUNKS,
  STOPPED_EARLY,
  stalledReason,
} from './incomplete-reason.ts';

/**
 * How the caller runs its chunks: the two choices in which a workflow's chunk step and the CLI's
 * in-process driver differ. Pick `STEP_CHUNKS` or `IN_PROCESS_CHUNKS`.
 */
export interface ChunkPolicy {
  /**
   * A DSPM time budget spent before the listing ended: `next-chunk` checkpoints and lets the
   * next chunk go on (an invocation's budget is not the poll's); `end-pass` ends the pass
   * incomplete, and a budget spent reading the catalogs is thrown (one budget is the whole run's).
   */
  readonly budgetSpent: 'next-chunk' | 'end-pass';
  /**
   * A pass that ended: `checkpoint` writes it for a finish step in another invocation;
   * `hand-over` gives it to the finish in memory, so a poll that fits one chunk writes no
   * checkpoint at all.
   */
  readonly endedPass: 'checkpoint' | 'hand-over';
}

/** A workflow's chunk step: one invocation a chunk, the finish step in the next invocation. */
export const STEP_CHUNKS: ChunkPolicy = { budgetSpent: 'next-chunk', endedPass: 'checkpoint' };

/** The CLI's in-process driver: every chunk and the finish in one run, under one time budget. */
export const IN_PROCESS_CHUNKS: ChunkPolicy = { budgetSpent: 'end-pass', endedPass: 'hand-over' };

/** What a chunk's listing came to. */
export interface ChunkFacts {
  /** What stopped the listing before its end: the chunk's own stop time, or the caller's signal. */
  readonly stoppedBy: 'time' | 'signal' | undefined;
  /** The error the listing ended on, if any. */
  readonly error: Error | undefined;
  /** Chunks in a row, this one included, that listed no page. */
  readonly stalledChunks: number;
  /** `total` of the pass's first page, and the other one a later page reported, if any. */
  readonly total?: number | undefined;
  readonly totalChangedTo?: number | undefined;
  /** The listing's own account of the pass (meaningful when it listed to its end). */
  readonly report: { readonly complete: boolean; readonly reason: string | undefined };
}

/** What the chunk does next: the checkpoint's next `listing` state, and why. */
export type ChunkNext =
  /** More to list: the next chunk goes on (`budgetSpent`: this one's DSPM time budget ran out). */
  | { readonly state: 'listing'; readonly budgetSpent: boolean }
  /** The pass listed to its end; incomplete, with its reason, when it did not add up. */
  | { readonly state: 'listed'; readonly complete: boolean; readonly reason: string | undefined }
  /** The pass ended early: the listing `failed` or `stalled`, or the caller `stopped` it. */
  | {
      readonly state: 'ended';
      readonly endedBy: 'failure' | 'stop';
      readonly why: 'failed' | 'stalled' | 'stopped';
      readonly reason: string;
    };

/**
 * Decides what follows a chunk. Its own stop time, or (with `next-chunk`) a DSPM budget spent,
 * leaves more to list, unless `MAX_STALLED_CHUNKS` chunks in a row listed nothing; any other
 * listing error ends the pass as failed; the caller's signal ends it as stopped; else the pass
 * was listed to its end.
 */
export function chunkNext(facts: ChunkFacts, policy: ChunkPolicy): ChunkNext {
  const { stoppedBy, error } = facts;
  const budgetSpent = error instanceof DspmTimeBudgetError;
  const moreToList = stoppedBy === 'time' || (budgetSpent && policy.budgetSpent === 'next-chunk');
  if (moreToList && facts.stalledChunks < MAX_STALLED_CHUNKS) return { state: 'listing', budgetSpent };
  if (moreToList) return ended('stalled', stalledReason(error));
  if (error) return ended('failed', failedReason(error));
  if (stoppedBy === 'signal') return ended('stopped', STOPPED_EARLY);
  const reason = listedPassReason(facts, facts.report);
  return { state: 'listed', complete: reason === undefined, reason };
}

function ended(why: 'failed' | 'stalled' | 'stopped', reason: string): ChunkNext {
  return { state: 'ended', endedBy: why === 'stopped' ? 'stop' : 'failure', why, reason };
}
