/**
 * Where a poll that spans several invocations stands: what the next chunk needs to go on from the
 * last committed page, and what the finish step needs to report removals and the summary. A poll
 * is a job kept in the state store; invocations (a Step Functions task, the CLI's loop) are only
 * the workers that advance it, each under the tenant's poll lease. A leaf module: the state
 * backends that keep checkpoints import it, and it imports nothing of the poll's.
 */
import type { ReadonlyIdSet } from '../state/id-set.ts';

/** Stores by outcome, for the summary. */
export interface PollCounts {
  seen: number;
  discovered: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/** How far the poll's pass over the connected stores has come. */
export type ListingState =
  /** More pages to list: the next chunk starts at `nextOffset`. */
  | 'listing'
  /** Every page was listed; `complete` says whether it added up. */
  | 'listed'
  /** The listing failed or was stopped; the finish step reports it incomplete, without removals. */
  | 'ended';

/** A poll's checkpoint: written after each chunk, read by the next one, cleared by the finish. */
export interface PollCheckpoint {
  /** The poll's id, in every event of every chunk. */
  readonly pollId: string;
  /** When the poll's first chunk began (ISO). */
  readonly startedAt: string;
  /** Chunks done; a checkpoint only ever replaces one of the same poll with a lower count. */
  readonly chunk: number;
  /** The tenant's first poll (no meta when the poll began): every chunk commits a baseline. */
  readonly baseline: boolean;
  readonly listing: {
    readonly state: ListingState;
    /** Offset of the first page the next chunk asks for. */
    readonly nextOffset: number;
    /** `total` of the poll's first page: every later page, in any chunk, is checked against it. */
    readonly total?: number | undefined;
    /** Set when a page in any chunk reported another `total`: the pass cannot be complete. */
    readonly totalChangedTo?: number | undefined;
    /** Pages fetched and duplicate items dropped, over every chunk. */
    readonly pages: number;
    readonly duplicates: number;
    /** Whether the pass added up (meaningful once `state` is `listed`). */
    readonly complete: boolean;
    /** Why the pass is not complete, when it is not. */
    readonly reason?: string | undefined;
    /** What ended the pass early (`ended`): the listing failed, or the caller stopped it (Ctrl-C). */
    readonly endedBy?: 'failure' | 'stop' | undefined;
    /** Chunks in a row that listed no page (a 429 storm that eats every chunk's budget). */
    readonly stalledChunks: number;
  };
  /** Ids of every store the pass yielded so far: the finish step's "still there". */
  readonly seen: ReadonlyIdSet;
  /** What the committed pages added up to, for the summary. */
  readonly totals: {
    readonly counts: PollCounts;
    readonly events: number;
    readonly failed: number;
    readonly refusedStores: number;
    readonly stale: number;
  };
  /** DSPM calls spent by the poll's chunks so far. */
  readonly dspm: { readonly requests: number; readonly retries: number; readonly throttled: number };
}

/**
 * Whether `next` may replace the stored checkpoint: over none (a new poll's first chunk), or over
 * one of the same poll with fewer chunks. A checkpoint never moves backwards, and a worker that
 * lost its lease cannot overwrite the poll its successor is advancing with an older view.
 */
export function checkpointMayReplace(
  stored: Pick<PollCheckpoint, 'pollId' | 'chunk'> | undefined,
  next: Pick<PollCheckpoint, 'pollId' | 'chunk'>,
): boolean {
  if (stored === undefined) return true;
  return stored.pollId === next.pollId && stored.chunk < next.chunk;
}
