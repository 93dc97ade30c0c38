/**
 * Use case: one chunk of a poll (adapter -> **use case** -> domain). Continues the tenant's poll
 * in progress from its checkpoint, or starts one; lists page by page from where the last chunk
 * stopped, publishes and commits each page before asking for more, and stops at the step's
 * time (`stopAtMs`), after the page in hand. The checkpoint written at the end is the only thing
 * the next chunk trusts: the position after the last committed page, the pass's first `total`,
 * every id seen, and the totals so far. A chunk that dies before writing it leaves the previous
 * checkpoint, whose pages the next chunk lists again: their stores were committed, so they come
 * out unchanged (or re-send an event refused before, with its same eventId).
 */
import { randomUUID } from 'node:crypto';
import { DspmTimeBudgetError } from '../dspm/errors.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { IdSet } from '../state/id-set.ts';
import { type HeldLease, LeaseLostError } from '../state/lease.ts';
import type { ListingState, PollCheckpoint } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';
import type { ChunkOutcome, StepOptions } from './poll-run.ts';
import {
  assessPage,
  dspmCallsSince,
  publishAndCommit,
  STOPPED_EARLY,
  STREAM_PAGE,
  totalsOf,
} from './poll-stages.ts';
import { readStartingPoint, type StartingPoint } from './starting-point.ts';
import { withStepLease } from './step-lease.ts';

/** Chunks in a row that list no page before the poll ends incomplete (a 429 storm eats each budget). */
export const MAX_STALLED_CHUNKS = 3;

/**
 * A poll in progress older than this is ended, incomplete, rather than continued: its seen ids
 * describe a tenant long gone, and the schedule's next poll starts afresh.
 */
export const MAX_POLL_AGE_MS = 24 * 3600_000;

/** A chunk's outcome, and the listing error it ended on (the caller's to report). */
export interface ChunkResult {
  readonly outcome: ChunkOutcome;
  readonly error?: Error | undefined;
  /** Where the poll stands now (absent when the chunk was skipped). */
  readonly checkpoint?: PollCheckpoint | undefined;
  /** Whether a checkpoint of this poll is in the state store (the finish step clears it). */
  readonly stored?: boolean;
  /** The facts and catalogs the chunk read, for a finish in the same process. */
  readonly start?: StartingPoint | undefined;
}

/** What a chunk does when the DSPM time budget runs out mid-listing. */
interface ChunkBehaviour {
  /** End the pass (one-invocation polls) instead of checkpointing for the next chunk. */
  readonly endOnBudget?: boolean;
  /**
   * The in-process driver: a pass that ended is handed to the finish step in memory rather than
   * stored, so a poll that fits one chunk writes no checkpoint at all.
   */
  readonly handOverInMemory?: boolean;
}

/**
 * Runs one chunk as run `options.runId`. Throws when the chunk could not start (state or catalogs
 * unreadable), or with a `LeaseLostError` when another run took the lease over (what this one had
 * not committed is left to it).
 */
export async function pollChunk(
  ports: PollPorts,
  settings: PollSettings,
  options: StepOptions,
): Promise<ChunkOutcome> {
  const { runId } = options;
  const result = await withStepLease(
    ports,
    settings,
    runId,
    () => 'hand-on',
    (lease) => chunkUnderLease(ports, settings, options, {}, lease),
  );
  if (result === undefined) {
    ports.logger.info('another poll run holds the lease; skipping this chunk', {
      tenant: ports.tenant,
      runId,
    });
    return { status: 'skipped', reason: 'lease-held', runId };
  }
  return result.outcome;
}

/** One chunk under a lease already held; `behaviour` is the in-process driver's. */
export async function chunkUnderLease(
  ports: PollPorts,
  settings: PollSettings,
  options: StepOptions,
  behaviour: ChunkBehaviour,
  lease: HeldLease,
): Promise<ChunkResult> {
  const { state, clock, logger, tenant } = ports;
  const stored = await state.loadCheckpoint(tenant);
  // A new poll is a baseline when the tenant has no facts yet; every later chunk keeps that.
  const checkpoint = stored ?? newCheckpoint(ports, (await state.loadMeta(tenant)) === undefined);
  if (checkpoint.listing.state !== 'listing') {
    // A retry of the chunk that ended the pass: the finish step is next.
    return { outcome: outcomeOf(options.runId, checkpoint), checkpoint, stored: true };
  }
  if (clock.now() - Date.parse(checkpoint.startedAt) > MAX_POLL_AGE_MS) {
    const reason = `the poll began at ${checkpoint.startedAt} and was abandoned after ${MAX_POLL_AGE_MS / 3600_000} h`;
    logger.warn('ending a poll in progress that is too old to continue', {
      tenant,
      pollId: checkpoint.pollId,
    });
    return save(ports, options.runId, lease, ended(checkpoint, reason, 'failure'));
  }

  if (stored)
    logger.info('continuing the poll in progress', {
      tenant,
      pollId: stored.pollId,
      chunk: stored.chunk + 1,
      seen: stored.seen.size,
      total: stored.listing.total,
    });
  const statsBefore = { ...ports.dspm.stats };
  let start: StartingPoint;
  try {
    start = await readStartingPoint(ports, settings, checkpoint);
  } catch (error) {
    // A 429 storm can spend the budget before the first page: that chunk listed nothing.
    if (!(error instanceof DspmTimeBudgetError) || behaviour.endOnBudget) throw error;
    logger.warn('the time budget ran out reading the catalogs; the next chunk tries again', {
      tenant,
      pollId: checkpoint.pollId,
      reason: error.message,
    });
    const stalled = {
      ...checkpoint,
      listing: { ...checkpoint.listing, stalledChunks: checkpoint.listing.stalledChunks + 1 },
      dspm: dspmCallsSince(ports, statsBefore, checkpoint.dspm),
    };
    return save(
      ports,
      options.runId,
      lease,
      stalled.listing.stalledChunks < MAX_STALLED_CHUNKS
        ? stalled
        : ended(stalled, stalledReason(error), 'failure'),
    );
  }
  const totals = totalsOf(checkpoint);
  const seen = IdSet.from(checkpoint.seen);
  const { listing: previous } = checkpoint;
  const listing = ports.dspm.connectedDataStores({
    onProgress: ports.onListingProgress,
    resume: previous.total === undefined ? undefined : { offset: previous.nextOffset, total: previous.total },
    seen,
  });
  const stop = ports.signal ? AbortSignal.any([ports.signal, lease.signal]) : lease.signal;
  const flush = (plan: Parameters<typeof publishAndCommit>[2]) =>
    publishAndCommit(ports, start, plan, totals, lease);

  let nextOffset = previous.nextOffset;
  let pagesListed = 0;
  let stoppedBy: 'time' | 'signal' | undefined;
  let error: Error | undefined;
  // Pages are gathered to a STREAM_PAGE of stores, then assessed, published and committed
  // together; the checkpoint's offset only ever points after a committed batch.
  let batch: ConnectedDataStore[] = [];
  let batchEnd = nextOffset;
  // A failure while publishing or committing is the poll's, not the listing's: it propagates.
  let flushingNow = false;
  const flushBatch = async () => {
    await assessPage(ports, settings, start, batch, flush);
    batch = [];
    nextOffset = batchEnd;
  };
  try {
    for await (const page of listing.pages()) {
      batch.push(...page.items);
      batchEnd = page.nextOffset;
      pagesListed++;
      // Leaving the loop ends the listing: pages in flight are dropped, no new ones are asked for.
      if (page.more && stop.aborted) stoppedBy = 'signal';
      else if (page.more && options.stopAtMs !== undefined && clock.now() >= options.stopAtMs)
        stoppedBy = 'time';
      if (batch.length < STREAM_PAGE && page.more && stoppedBy === undefined) continue;
      flushingNow = true;
      await flushBatch();
      flushingNow = false;
      if (stoppedBy !== undefined) break;
    }
  } catch (caught) {
    if (flushingNow || caught instanceof LeaseLostError) throw caught;
    error = caught as Error;
  }
  // What was listed before a failure is still published and committed.
  if (batch.length > 0 || batchEnd !== nextOffset) await flushBatch();
  lease.assertHeld();

  const report = listing.report();
  const base: PollCheckpoint = {
    ...checkpoint,
    listing: {
      ...previous,
      nextOffset,
      total: previous.total ?? report.total,
      totalChangedTo: previous.totalChangedTo ?? report.totalChangedTo,
      pages: previous.pages + report.pages,
      duplicates: previous.duplicates + report.duplicates,
      stalledChunks: pagesListed > 0 ? 0 : previous.stalledChunks + 1,
    },
    seen,
    totals: totals,
    dspm: dspmCallsSince(ports, statsBefore, checkpoint.dspm),
  };
  // The chunk's own stop time, or (in a chunk of a workflow) a DSPM budget spent mid-listing:
  // the next chunk goes on. The in-process driver ends the pass on a spent budget instead.
  const moreToList = stoppedBy === 'time' || (error instanceof DspmTimeBudgetError && !behaviour.endOnBudget);
  let next: PollCheckpoint;
  if (moreToList && base.listing.stalledChunks < MAX_STALLED_CHUNKS) {
    next = { ...base, listing: { ...base.listing, state: 'listing' } };
    if (error)
      logger.warn('the time budget ran out mid-listing; the next chunk goes on', {
        tenant,
        pollId: base.pollId,
        reason: error.message,
      });
  } else if (moreToList) {
    next = ended(base, stalledReason(error), 'failure');
  } else if (error) {
    logger.error('listing connected data stores failed part-way; no removals this poll', {
      tenant,
      pollId: base.pollId,
      reason: error.message,
    });
    next = ended(base, error.message, 'failure');
  } else if (stoppedBy === 'signal') {
    logger.warn('stopped before the listing finished; what was seen is committed', {
      tenant,
      pollId: base.pollId,
    });
    next = ended(base, STOPPED_EARLY, 'stop');
  } else {
    next = listedPass(base, report);
    if (!next.listing.complete)
      logger.warn('listing incomplete; no removals this poll', {
        tenant,
        pollId: base.pollId,
        reason: next.listing.reason,
      });
  }
  if (behaviour.handOverInMemory && next.listing.state !== 'listing') {
    const handed = { ...next, chunk: next.chunk + 1 };
    return {
      outcome: outcomeOf(options.runId, handed),
      error,
      checkpoint: handed,
      stored: stored !== undefined,
      start,
    };
  }
  return { ...(await save(ports, options.runId, lease, next)), error };
}

function stalledReason(error: Error | undefined): string {
  return `no page was listed in ${MAX_STALLED_CHUNKS} chunks in a row${error ? ` (${error.message})` : ''}`;
}

/** A new poll: nothing listed yet. */
function newCheckpoint(ports: PollPorts, baseline: boolean): PollCheckpoint {
  return {
    pollId: ports.newPollId?.() ?? randomUUID(),
    startedAt: new Date(ports.clock.now()).toISOString(),
    chunk: 0,
    baseline,
    listing: {
      state: 'listing',
      nextOffset: 0,
      pages: 0,
      duplicates: 0,
      complete: false,
      stalledChunks: 0,
    },
    seen: new IdSet(),
    totals: {
      counts: { seen: 0, discovered: 0, changed: 0, removed: 0, unchanged: 0 },
      events: 0,
      failed: 0,
      refusedStores: 0,
      stale: 0,
    },
    dspm: { requests: 0, retries: 0, throttled: 0 },
  };
}

/** The pass listed to its end: complete when no total moved in any chunk and the ids add up. */
function listedPass(
  base: PollCheckpoint,
  report: { complete: boolean; reason: string | undefined },
): PollCheckpoint {
  const { total, totalChangedTo } = base.listing;
  let reason: string | undefined;
  if (totalChangedTo !== undefined)
    reason = `total changed from ${total} to ${totalChangedTo} during the pass`;
  else if (!report.complete) reason = report.reason ?? 'the listing did not add up';
  return { ...base, listing: { ...base.listing, state: 'listed', complete: reason === undefined, reason } };
}

function ended(checkpoint: PollCheckpoint, reason: string, endedBy: 'failure' | 'stop'): PollCheckpoint {
  const state: ListingState = 'ended';
  return { ...checkpoint, listing: { ...checkpoint.listing, state, complete: false, reason, endedBy } };
}

/** Writes the chunk's checkpoint; one that may not replace the stored one means another run moved on. */
async function save(
  ports: PollPorts,
  runId: string,
  lease: HeldLease,
  checkpoint: PollCheckpoint,
): Promise<ChunkResult> {
  const next = { ...checkpoint, chunk: checkpoint.chunk + 1 };
  lease.assertHeld();
  if (!(await ports.state.saveCheckpoint(ports.tenant, next)))
    throw new LeaseLostError(
      `the poll checkpoint of ${ports.tenant} moved on without this run (poll ${checkpoint.pollId}, chunk ${next.chunk}); another run advances it`,
    );
  return { outcome: outcomeOf(runId, next), checkpoint: next, stored: true };
}

function outcomeOf(runId: string, checkpoint: PollCheckpoint): ChunkOutcome {
  const progress = {
    runId,
    pollId: checkpoint.pollId,
    chunk: checkpoint.chunk,
    received: checkpoint.seen.size,
    total: checkpoint.listing.total,
  };
  if (checkpoint.listing.state === 'listing') return { status: 'more', ...progress };
  return {
    status: 'listed',
    complete: checkpoint.listing.state === 'listed' && checkpoint.listing.complete,
    reason: checkpoint.listing.reason,
    ...progress,
  };
}
