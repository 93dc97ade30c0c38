/**
 * Use case: one whole poll of a DSPM tenant in one process (adapter -> **use case** -> domain):
 * the CLI's and the demo's driver of the steps a workflow runs one invocation each. It runs
 * `pollChunk` until the pass is listed, then `finishPoll`, as one run holding the tenant's lease.
 *
 * A poll reads the catalogs and every connected data store, diffs each against its committed
 * snapshot, publishes the events, and commits a store's new snapshot only once its event was
 * accepted. A listing that failed or did not add up never yields `data-store-removed`. A poll
 * that finds its lease lost stops without committing. An aborted `signal` (Ctrl-C) stops the
 * listing after the page in hand: what was seen is still published and committed, and no removals
 * are reported. A poll left in progress by a run that died (its checkpoint) is continued, not
 * started again. A dry run is a choice of ports (a state that writes nothing, a sink that
 * publishes nothing), not a branch here.
 */
import { randomUUID } from 'node:crypto';
import { IN_PROCESS_CHUNKS } from './chunk-next.ts';
import { finishUnderLease } from './finish-poll.ts';
import { chunkUnderLease } from './poll-chunk.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollOutcome, PollPorts } from './poll-ports.ts';
import { takeRunLease } from './step-lease.ts';

/** How the in-process driver runs a poll. */
export interface PollRunOptions {
  /**
   * Checkpoint after the page in hand once this long has passed since the last checkpoint, so a
   * run that is killed is continued from there by the next one (the CLI: `--checkpoint-every`).
   * Absent: one chunk lists to the end, and a poll that fits it writes no checkpoint.
   */
  readonly checkpointEveryMs?: number | undefined;
}

/** Chunks one in-process run may take: far more than any tenant needs, less than forever. */
const MAX_CHUNKS_PER_RUN = 1_000_000;

/**
 * Runs one poll to its end, as one run holding the tenant's lease throughout. Throws when the
 * poll could not start (lease, state or catalogs unreadable), or with a `LeaseLostError` when
 * another poll took its lease over (what it had not committed is then left to that poll).
 */
export async function pollDataStores(
  ports: PollPorts,
  settings: PollSettings,
  options: PollRunOptions = {},
): Promise<PollOutcome> {
  const { state, clock, logger, tenant } = ports;
  const runId = `run-${randomUUID()}`;
  const lease = await takeRunLease(ports, settings, runId);
  if (lease === undefined) {
    logger.info('another poll holds the lease; skipping this one', { tenant, runId });
    return { status: 'skipped', reason: 'lease-held', pollId: runId };
  }
  try {
    // Chunks go on from a checkpoint a dead run left; a spent time budget ends the pass rather
    // than leaving it for a next chunk, and the pass that ended is handed to the finish in memory.
    let chunk: Awaited<ReturnType<typeof chunkUnderLease>> | undefined;
    for (let count = 0; count < MAX_CHUNKS_PER_RUN; count++) {
      const stopAtMs =
        options.checkpointEveryMs === undefined ? undefined : clock.now() + options.checkpointEveryMs;
      chunk = await chunkUnderLease(ports, settings, { runId, stopAtMs }, IN_PROCESS_CHUNKS, lease);
      if (chunk.outcome.status !== 'more') break;
    }
    if (chunk?.checkpoint === undefined || chunk.outcome.status === 'more')
      throw new Error(`the poll of ${tenant} did not finish listing in ${MAX_CHUNKS_PER_RUN} chunks`);
    const finished = await finishUnderLease(ports, settings, runId, lease, chunk.error, {
      checkpoint: chunk.checkpoint,
      stored: chunk.stored ?? false,
      start: chunk.start,
    });
    if (finished.status === 'skipped')
      throw new Error(`the poll of ${tenant} could not be finished (${finished.reason})`);
    return finished;
  } finally {
    await lease.stop();
    await state.releaseLease(tenant, runId);
  }
}
