/**
 * Use case: one chunk of a poll (adapter -> **use case** -> domain). Continues the tenant's poll
 * in progress from its checkpoint, or starts one; lists page by page from where the last chunk
 * stopped, publishes and commits each page before asking for more, and stops at the step's
 * time (`stopAtMs`), after the page in hand. The checkpoint written at the end is the only thing
 * the next chunk trusts: the position after the last committed page, the pass's first `total`,
 * every id seen, and the totals so far. A chunk that dies before writing it leaves the previous
 * checkpoint, whose pages the next chunk lists again: their stores were committed, so they come
 * out unchanged (or re-send an event refused before, with its same eventId).
 *
 * `chunkUnderLease` reads as its stages: open the poll, read where it starts from
 * (starting-point.ts), list and commit (chunk-listing.ts), decide what comes next
 * (chunk-next.ts, with the reasons of incomplete-reason.ts), keep the checkpoint.
 */
import { randomUUID } from 'node:crypto';
import { DspmTimeBudgetError } from '../dspm/errors.ts';
import { IdSet } from '../state/id-set.ts';
import { type HeldLease, LeaseLostError } from '../state/lease.ts';
import { type ListedChunk, listAndCommit } from './chunk-listing.ts';
import { type ChunkNext, type ChunkPolicy, chunkNext, STEP_CHUNKS } from './chunk-next.ts';
import { abandonedReason, MAX_POLL_AGE_MS } from './incomplete-reason.ts';
import type { PollCheckpoint } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';
import type { ChunkOutcome, StepOptions } from './poll-run.ts';
import { dspmCallsSince } from './poll-stages.ts';
import { readStartingPoint, type StartingPoint } from './starting-point.ts';
import { withStepLease } from './step-lease.ts';

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
    (lease) => chunkUnderLease(ports, settings, options, STEP_CHUNKS, lease),
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

/**
 * One chunk under a lease already held, run as `policy` says (`STEP_CHUNKS` for a workflow's
 * step, `IN_PROCESS_CHUNKS` for the in-process driver): open the poll, read where it starts from,
 * list and commit its pages, decide what comes next (chunk-next.ts), and keep the checkpoint.
 */
export async function chunkUnderLease(
  ports: PollPorts,
  settings: PollSettings,
  options: StepOptions,
  policy: ChunkPolicy,
  lease: HeldLease,
): Promise<ChunkResult> {
  const { runId } = options;
  const { checkpoint, stored } = await openPoll(ports);
  // A retry of the chunk that ended the pass: the finish step is next.
  if (checkpoint.listing.state !== 'listing')
    return { outcome: outcomeOf(runId, checkpoint), checkpoint, stored: true };
  const abandoned = abandonIfTooOld(ports, checkpoint);
  if (abandoned) return save(ports, runId, lease, abandoned);
  if (stored) logContinuing(ports, checkpoint);
  const statsBefore = { ...ports.dspm.stats };
  const begun = await startOrStall(ports, settings, checkpoint, policy, statsBefore);
  if ('stalled' in begun) return save(ports, runId, lease, begun.stalled);
  const listed = await listAndCommit(ports, settings, options, begun.start, checkpoint, lease);
  const progress = progressOf(ports, checkpoint, listed, statsBefore);
  const { stoppedBy, error, report } = listed;
  const next = chunkNext({ ...progress.listing, stoppedBy, error, report }, policy);
  logNext(ports, progress.pollId, next, error);
  const after = withNext(progress, next);
  if (policy.endedPass === 'hand-over' && after.listing.state !== 'listing')
    return handOver(runId, after, { stored, start: begun.start, error });
  return { ...(await save(ports, runId, lease, after)), error };
}

/** The tenant's poll in progress, or a new one: a baseline when the tenant has no facts yet. */
async function openPoll(ports: PollPorts): Promise<{ checkpoint: PollCheckpoint; stored: boolean }> {
  const { state, tenant } = ports;
  const stored = await state.loadCheckpoint(tenant);
  if (stored) return { checkpoint: stored, stored: true };
  // Every later chunk of the poll keeps the baseline decided here.
  return { checkpoint: newCheckpoint(ports, (await state.loadMeta(tenant)) === undefined), stored: false };
}

/** A poll in progress too old to go on with, ended incomplete; undefined when it may go on. */
function abandonIfTooOld(ports: PollPorts, checkpoint: PollCheckpoint): PollCheckpoint | undefined {
  if (ports.clock.now() - Date.parse(checkpoint.startedAt) <= MAX_POLL_AGE_MS) return undefined;
  ports.logger.warn('ending a poll in progress that is too old to continue', {
    tenant: ports.tenant,
    pollId: checkpoint.pollId,
  });
  return endPass(checkpoint, abandonedReason(checkpoint.startedAt), 'failure');
}

function logContinuing(ports: PollPorts, stored: PollCheckpoint): void {
  ports.logger.info('continuing the poll in progress', {
    tenant: ports.tenant,
    pollId: stored.pollId,
    chunk: stored.chunk + 1,
    seen: stored.seen.size,
    total: stored.listing.total,
  });
}

/**
 * Reads where the chunk starts from. A DSPM budget spent on the catalogs (a 429 storm before the
 * first page) is a chunk that listed nothing, returned as `stalled` for the next chunk to go on
 * from; under an `end-pass` policy, and on any other error, it throws.
 */
async function startOrStall(
  ports: PollPorts,
  settings: PollSettings,
  checkpoint: PollCheckpoint,
  policy: ChunkPolicy,
  statsBefore: PollPorts['dspm']['stats'],
): Promise<{ readonly start: StartingPoint } | { readonly stalled: PollCheckpoint }> {
  try {
    return { start: await readStartingPoint(ports, settings, checkpoint) };
  } catch (error) {
    if (!(error instanceof DspmTimeBudgetError) || policy.budgetSpent === 'end-pass') throw error;
    ports.logger.warn('the time budget ran out reading the catalogs; the next chunk tries again', {
      tenant: ports.tenant,
      pollId: checkpoint.pollId,
      reason: error.message,
    });
    const listing = { ...checkpoint.listing, stalledChunks: checkpoint.listing.stalledChunks + 1 };
    const base = { ...checkpoint, listing, dspm: dspmCallsSince(ports, statsBefore, checkpoint.dspm) };
    const next = chunkNext({ ...listing, stoppedBy: undefined, error, report: NOTHING_LISTED }, policy);
    return { stalled: withNext(base, next) };
  }
}

/** The report of a listing that never began (only a pass listed to its end reads it). */
const NOTHING_LISTED = { complete: false, reason: undefined };

/** The checkpoint after the chunk's pages: where the next chunk starts, what the pass saw and spent. */
function progressOf(
  ports: PollPorts,
  checkpoint: PollCheckpoint,
  listed: ListedChunk,
  statsBefore: PollPorts['dspm']['stats'],
): PollCheckpoint {
  const { listing: previous } = checkpoint;
  const { report } = listed;
  return {
    ...checkpoint,
    listing: {
      ...previous,
      nextOffset: listed.nextOffset,
      total: previous.total ?? report.total,
      totalChangedTo: previous.totalChangedTo ?? report.totalChangedTo,
      pages: previous.pages + report.pages,
      duplicates: previous.duplicates + report.duplicates,
      stalledChunks: listed.pagesListed > 0 ? 0 : previous.stalledChunks + 1,
    },
    seen: listed.seen,
    totals: listed.totals,
    dspm: dspmCallsSince(ports, statsBefore, checkpoint.dspm),
  };
}

/** The log line of a chunk whose pass goes on after a spent budget, or ended incomplete. */
function logNext(ports: PollPorts, pollId: string, next: ChunkNext, error: Error | undefined): void {
  const { logger, tenant } = ports;
  if (next.state === 'listing' && error)
    logger.warn('the time budget ran out mid-listing; the next chunk goes on', {
      tenant,
      pollId,
      reason: error.message,
    });
  else if (next.state === 'ended' && next.why === 'failed')
    logger.error('listing connected data stores failed part-way; no removals this poll', {
      tenant,
      pollId,
      reason: next.reason,
    });
  else if (next.state === 'ended' && next.why === 'stopped')
    logger.warn('stopped before the listing finished; what was seen is committed', { tenant, pollId });
  else if (next.state === 'listed' && !next.complete)
    logger.warn('listing incomplete; no removals this poll', { tenant, pollId, reason: next.reason });
}

/** The checkpoint with the listing state that `next` decided. */
function withNext(base: PollCheckpoint, next: ChunkNext): PollCheckpoint {
  const { listing } = base;
  switch (next.state) {
    case 'listing':
      return { ...base, listing: { ...listing, state: 'listing' } };
    case 'listed':
      return {
        ...base,
        listing: { ...listing, state: 'listed', complete: next.complete, reason: next.reason },
      };
    case 'ended':
      return endPass(base, next.reason, next.endedBy);
  }
}

function endPass(checkpoint: PollCheckpoint, reason: string, endedBy: 'failure' | 'stop'): PollCheckpoint {
  return {
    ...checkpoint,
    listing: { ...checkpoint.listing, state: 'ended', complete: false, reason, endedBy },
  };
}

/** A pass that ended, handed to the finish in memory (`hand-over`): nothing is written. */
function handOver(
  runId: string,
  ended: PollCheckpoint,
  kept: { readonly stored: boolean; readonly start: StartingPoint; readonly error: Error | undefined },
): ChunkResult {
  const checkpoint = { ...ended, chunk: ended.chunk + 1 };
  return {
    outcome: outcomeOf(runId, checkpoint),
    error: kept.error,
    checkpoint,
    stored: kept.stored,
    start: kept.start,
  };
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
