/**
 * Use case: the last step of a poll (adapter -> **use case** -> domain). Once the chunks have
 * listed the pass, it reports the stores the pass did not see as removed (only after a complete
 * pass, and never on a baseline), counts the committed state after a complete pass and the
 * exceptions that end within 7 days (the dashboard's gauges), records the tenant's facts, publishes the `dspm-poll-completed`
 * summary, clears the checkpoint and gives the lease back. Run again after a failure, it does the
 * same again: removals already committed are tombstones and come out once; the summary may go
 * out twice (at least once).
 */
import { BridgeError } from '../errors.ts';
import { expiringWithin } from '../exceptions/expiring-soon.ts';
import type { HeldLease } from '../state/lease.ts';
import type { StoreRecord } from '../state/records.ts';
import { countStores, newCensus } from '../state/state-census.ts';
import { listingFailedMessage } from './incomplete-reason.ts';
import type { PollCheckpoint } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';
import type { FinishOutcome, StepOptions } from './poll-run.ts';
import {
  dspmCallsSince,
  metaAfter,
  publishAndCommit,
  removeUnseen,
  summarise,
  totalsOf,
} from './poll-stages.ts';
import { readStartingPoint, type StartingPoint } from './starting-point.ts';
import { withStepLease } from './step-lease.ts';

/** The poll's checkpoint is still listing: finishing it now would report a partial pass. */
export class PollNotListedError extends BridgeError {
  readonly retryable = false;
}

/**
 * The poll's listing failed part-way (after retries, or three chunks without a page): its
 * summary is out, incomplete, and no removals were reported. The workflow reads the name.
 */
export class PollListingFailedError extends BridgeError {
  readonly retryable = false;
}

/**
 * Finishes the tenant's poll in progress. `error` is the listing's own error when the same
 * process ran the chunk that ended on it (the outcome carries it; across invocations it is the
 * checkpoint's reason).
 * @throws PollNotListedError when the checkpoint still has pages to list.
 */
export async function finishPoll(
  ports: PollPorts,
  settings: PollSettings,
  options: StepOptions,
  error?: Error | undefined,
): Promise<FinishOutcome> {
  const { runId } = options;
  const outcome = await withStepLease<FinishOutcome>(
    ports,
    settings,
    runId,
    () => 'release',
    (lease) => finishUnderLease(ports, settings, runId, lease, error),
  );
  if (outcome === undefined) {
    ports.logger.info('another poll run holds the lease; not finishing', { tenant: ports.tenant, runId });
    return { status: 'skipped', reason: 'lease-held', runId };
  }
  return outcome;
}

/**
 * The finish step under a lease already held. `given` is the in-process driver's checkpoint,
 * handed over in memory (`stored` says whether one of the poll is in the state store too).
 */
export async function finishUnderLease(
  ports: PollPorts,
  settings: PollSettings,
  runId: string,
  lease: HeldLease,
  error: Error | undefined,
  given?: {
    readonly checkpoint: PollCheckpoint;
    readonly stored: boolean;
    readonly start?: StartingPoint | undefined;
  },
): Promise<FinishOutcome> {
  const { state, tenant } = ports;
  const checkpoint = given?.checkpoint ?? (await state.loadCheckpoint(tenant));
  if (checkpoint === undefined) return { status: 'skipped', reason: 'no-poll', runId };
  if (checkpoint.listing.state === 'listing')
    throw new PollNotListedError(
      `the poll ${checkpoint.pollId} of ${tenant} is still listing (offset ${checkpoint.listing.nextOffset} of ${checkpoint.listing.total ?? 'unknown'}); run its chunks until one reports "listed", then finish`,
    );
  const statsBefore = { ...ports.dspm.stats };
  const complete = checkpoint.listing.state === 'listed' && checkpoint.listing.complete;
  const removals = complete && !checkpoint.baseline;
  // The catalogs only name what removal events describe: an incomplete pass needs none.
  const start =
    given?.start ?? (await readStartingPoint(ports, settings, checkpoint, { catalogs: removals }));
  const totals = totalsOf(checkpoint);
  // A complete pass is counted on the walk of the records the removals make anyway, or once for
  // it on a baseline (no removals). A removal walk of the fingerprint index reads only the
  // unseen stores' records, so it counts nothing: the gauges then keep their last value (they are
  // refreshed on every walk of the records, at least daily). An incomplete pass is not counted:
  // its state may lag DSPM's.
  let census = complete ? newCensus() : undefined;
  const count = (batch: readonly StoreRecord[]) => {
    if (census) countStores(census, batch, (record) => checkpoint.seen.has(record.storeId));
  };
  const walked = removals
    ? await removeUnseen(
        ports,
        start,
        checkpoint.seen,
        (plan) => publishAndCommit(ports, start, plan, totals, lease),
        count,
      )
    : undefined;
  if (walked === 'index') census = undefined;
  else if (walked === undefined && census) for await (const batch of state.streamStores(tenant)) count(batch);
  // A full walk of the records with every store committed vouches for the fingerprint index.
  const vouched =
    walked === 'records' && start.gate !== undefined && totals.failed === 0 && totals.stale === 0;
  const now = new Date(ports.clock.now());
  lease.assertHeld();
  await state.saveMeta(tenant, metaAfter(start.meta, checkpoint, totals, now, vouched ? now : undefined));
  const summary = await summarise(
    ports,
    start,
    checkpoint,
    totals,
    dspmCallsSince(ports, statsBefore, checkpoint.dspm),
  );
  if (given?.stored !== false) await state.clearCheckpoint(tenant, checkpoint.pollId);
  return {
    status: 'completed',
    pollId: checkpoint.pollId,
    summary,
    chunks: checkpoint.chunk,
    census,
    exceptionsExpiringSoon: expiringSoonOf(start),
    error: complete ? undefined : (error ?? listingError(checkpoint.listing)),
  };
}

/**
 * The exceptions in force that end within the `expiring` notice, from the ones the starting point
 * listed (one listExceptions call, made anyway) as they stood then; 0 without exceptions.
 */
function expiringSoonOf(start: StartingPoint): number {
  const inForce = start.context.exceptions;
  if (inForce === undefined) return 0;
  return expiringWithin(
    inForce.active.map(({ exception }) => exception),
    inForce.at,
  ).length;
}

/** The reason a pass ended early, as an error, when the listing failed (a stop is not an error). */
function listingError(listing: {
  endedBy?: string | undefined;
  reason?: string | undefined;
}): Error | undefined {
  return listing.endedBy === 'failure'
    ? new PollListingFailedError(listingFailedMessage(listing.reason))
    : undefined;
}
