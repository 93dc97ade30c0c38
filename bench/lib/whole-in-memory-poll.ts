/**
 * The poll as it was before it streamed, kept for bench:poll only as the baseline its memory is
 * measured against in the same run: the whole committed state loaded up front, every event held,
 * published at the end.
 *
 * Use case: one poll of a DSPM tenant (adapter -> **use case** -> domain).
 *
 * Reads the catalogs and every connected data store, diffs each against its committed snapshot,
 * publishes the events, and commits a store's new snapshot only once its event was accepted. A
 * listing that failed or did not add up never yields `data-store-removed`. A lease, renewed while
 * the poll runs, keeps two polls of one tenant from running over each other; a poll that finds its
 * lease lost stops without committing. An aborted `signal` (Ctrl-C) stops the listing after the
 * page in hand: what was seen is still published and committed, and no removals are reported.
 * A dry run is a choice of ports (a state that writes nothing, a sink that publishes nothing),
 * not a branch here.
 */
import { randomUUID } from 'node:crypto';
import type { ListingReport } from '#shared/dspm/listing.ts';
import type { PollCompletedDetail } from '#shared/events/contract.ts';
import type { PollSettings } from '#shared/poll/poll-config.ts';
import { newPlan, type PollPlan, planRemovals, planStore, settlePublish } from '#shared/poll/poll-plan.ts';
import type { PollOutcome, PollPorts as StreamingPollPorts } from '#shared/poll/poll-ports.ts';
import { buildPollCompleted, type PollContext } from '#shared/risk/build-events.ts';
import { buildCatalog } from '#shared/risk/catalog.ts';
import { type HeldLease, keepLease } from '#shared/state/lease.ts';
import type { SnapshotStore, StoreRecord } from '#shared/state/records.ts';

/**
 * What this poll needs: the poll's own ports, less the exceptions and the checkpoints it never
 * knew (it ran in one go).
 */
export type PollPorts = Omit<StreamingPollPorts, 'state' | 'exceptions'> & { readonly state: SnapshotStore };

/** Catalog lists are small; more than this means something is wrong. */
const CATALOG_CAP = 100_000;

/**
 * Runs one poll. Throws when the poll could not start (lease, state or catalogs unreadable), or
 * with a `LeaseLostError` when another poll took its lease over (nothing is then committed).
 */
export async function pollWholeInMemory(ports: PollPorts, settings: PollSettings): Promise<PollOutcome> {
  const { state, clock, logger, tenant } = ports;
  const pollId = ports.newPollId?.() ?? randomUUID();
  const startedAt = new Date(clock.now());
  if (!(await state.tryAcquireLease(tenant, pollId, startedAt, settings.leaseTtlMs))) {
    logger.info('another poll holds the lease; skipping this one', { tenant, pollId });
    return { status: 'skipped', reason: 'lease-held', pollId };
  }
  const lease = keepLease({
    state,
    tenant,
    holder: pollId,
    ttlMs: settings.leaseTtlMs,
    clock,
    logger,
    acquiredAtMs: startedAt.getTime(),
  });
  try {
    return await runPoll(ports, settings, pollId, startedAt, lease);
  } finally {
    await lease.stop();
    await state.releaseLease(tenant, pollId);
  }
}

/**
 * The poll's stages, read -> list and assess -> removals -> publish -> commit -> summarise (the
 * connector shape: read, transform, write, checkpoint), each a function of its own below.
 */
async function runPoll(
  ports: PollPorts,
  settings: PollSettings,
  pollId: string,
  startedAt: Date,
  lease: HeldLease,
): Promise<PollOutcome> {
  const statsBefore = { ...ports.dspm.stats };
  const start = await readStartingPoint(ports, settings, pollId);
  const plan = newPlan();
  const listed = await listAndAssess(ports, settings, start, plan, stopSignal(ports.signal, lease.signal));
  if (listed.complete && !start.baseline)
    planRemovals(plan, start.committed, new Date(ports.clock.now()), start.context);
  // Publish first, commit after: a store whose event was not accepted keeps its old snapshot, so
  // the next poll finds the change again and re-sends it with the same eventId. A poll whose lease
  // was taken over does neither: the new holder does both.
  lease.assertHeld();
  const published = await publishPlan(ports, plan, pollId);
  lease.assertHeld();
  const stale = await commitPlan(ports, start, plan, published.accepted, pollId, startedAt);
  const summary = await summarise(ports, start, plan, listed, {
    pollId,
    startedAt,
    failed: published.failed,
    refusedStores: published.refusedStores,
    stale,
    statsBefore,
  });
  return { status: 'completed', pollId, summary, error: listed.error };
}

/** Where the poll starts from: the committed state and the catalogs. */
interface StartingPoint {
  readonly meta: Awaited<ReturnType<SnapshotStore['loadMeta']>>;
  readonly committed: ReadonlyMap<number, StoreRecord>;
  readonly context: PollContext;
  /** The tenant's first poll. */
  readonly baseline: boolean;
  /** A first poll that records every store without announcing it. */
  readonly silentBaseline: boolean;
}

async function readStartingPoint(
  ports: PollPorts,
  settings: PollSettings,
  pollId: string,
): Promise<StartingPoint> {
  const { dspm, state, tenant } = ports;
  const [meta, committed, platforms, connections, services, tags] = await Promise.all([
    state.loadMeta(tenant),
    state.loadStores(tenant),
    dspm.platforms().toArray(CATALOG_CAP),
    dspm.infrastructureConnections().toArray(CATALOG_CAP),
    dspm.services().toArray(CATALOG_CAP),
    dspm.dataTags().toArray(CATALOG_CAP),
  ]);
  const baseline = meta === undefined;
  return {
    meta,
    committed,
    baseline,
    silentBaseline: baseline && !settings.emitBaselineEvents,
    context: {
      tenant,
      pollId,
      source: settings.source,
      test: settings.test,
      bands: settings.bands,
      findings: settings.findings,
      firstPoll: baseline,
      catalog: buildCatalog({ platforms, connections, services, tags }),
    },
  };
}

/** How the listing ended. */
interface ListingOutcome {
  readonly complete: boolean;
  readonly error: Error | undefined;
  readonly stoppedEarly: boolean;
  readonly report: ListingReport;
}

/** Lists every connected store and plans what each one's change means, until done or stopped. */
async function listAndAssess(
  ports: PollPorts,
  settings: PollSettings,
  start: StartingPoint,
  plan: PollPlan,
  stop: AbortSignal | undefined,
): Promise<ListingOutcome> {
  const { dspm, clock, logger, tenant } = ports;
  const pollId = start.context.pollId;
  const assessment = {
    watchedFields: settings.watchedFields,
    minimumDeltas: settings.minimumDeltas,
    silentBaseline: start.silentBaseline,
  };
  const listing = dspm.connectedDataStores({ onProgress: ports.onListingProgress });
  let error: Error | undefined;
  let stoppedEarly = false;
  try {
    for await (const store of listing) {
      planStore(plan, store, start.committed.get(store.id), new Date(clock.now()), start.context, assessment);
      // Leaving the loop ends the listing: pages in flight are dropped, no new ones are asked for.
      if (stop?.aborted) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (caught) {
    error = caught as Error;
    logger.error('listing connected data stores failed part-way; no removals this poll', {
      tenant,
      pollId,
      reason: error.message,
    });
  }
  const report = listing.report();
  const complete = error === undefined && !stoppedEarly && report.complete;
  if (stoppedEarly) {
    logger.warn('stopped before the listing finished; publishing and committing what was seen', {
      tenant,
      pollId,
    });
  } else if (!complete && error === undefined) {
    logger.warn('listing incomplete; no removals this poll', { tenant, pollId, reason: report.reason });
  }
  return { complete, error, stoppedEarly, report };
}

/** Publishes the plan's events; the records of the accepted ones are what may be committed. */
async function publishPlan(
  ports: PollPorts,
  plan: PollPlan,
  pollId: string,
): Promise<{ accepted: StoreRecord[]; failed: number; refusedStores: number }> {
  const { sink, logger, tenant } = ports;
  const { toCommit, refused, refusedStores } = settlePublish(plan, await sink.publish(plan.events));
  for (const { storeId, errorCode, errorMessage } of refused) {
    logger.warn('event not accepted; the store stays uncommitted and is retried next poll', {
      tenant,
      pollId,
      storeId,
      errorCode,
      reason: errorMessage,
    });
  }
  return { accepted: toCommit, failed: refused.length, refusedStores };
}

/** Commits the accepted stores and the quiet ones, then the tenant's meta; returns how many were stale. */
async function commitPlan(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  accepted: readonly StoreRecord[],
  pollId: string,
  startedAt: Date,
): Promise<number> {
  const { state, logger, tenant } = ports;
  if (start.silentBaseline) await state.commitStores(tenant, plan.quiet, { baseline: true });
  const outcome = await state.commitStores(
    tenant,
    start.silentBaseline ? accepted : [...accepted, ...plan.quiet],
  );
  if (outcome.stale.length > 0)
    logger.warn('some stores were already committed by a newer poll', {
      tenant,
      pollId,
      stores: outcome.stale.slice(0, 20),
    });
  await state.saveMeta(tenant, {
    baselineAt: start.meta?.baselineAt ?? startedAt.toISOString(),
    lastPollId: pollId,
    lastPollAt: startedAt.toISOString(),
  });
  return outcome.stale.length;
}

/** Builds, publishes and logs the poll's `dspm-poll-completed` summary. */
async function summarise(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  listed: ListingOutcome,
  run: {
    pollId: string;
    startedAt: Date;
    failed: number;
    /** Stores with a refused event: several events of one store count it once. */
    refusedStores: number;
    stale: number;
    statsBefore: PollPorts['dspm']['stats'];
  },
): Promise<PollCompletedDetail> {
  const { dspm, sink, clock, logger, tenant } = ports;
  const { pollId, startedAt, failed, refusedStores, stale, statsBefore } = run;
  const { complete } = listed;
  const completedAt = new Date(clock.now());
  const summaryEvent = buildPollCompleted(
    start.context,
    {
      startedAt: startedAt.toISOString(),
      durationMs: Math.max(0, completedAt.getTime() - startedAt.getTime()),
      // A silent baseline: a first poll that announces every store (--no-baseline) is a normal poll.
      baseline: start.silentBaseline,
      complete,
      incompleteReason: complete
        ? null
        : (listed.error?.message ??
          (listed.stoppedEarly ? STOPPED_EARLY : listed.report.reason) ??
          'unknown'),
      stores: { ...plan.counts, uncommitted: refusedStores + stale },
      dspm: {
        requests: dspm.stats.requests - statsBefore.requests,
        pages: listed.report.pages,
        retries: dspm.stats.retries - statsBefore.retries,
        throttled: dspm.stats.throttled - statsBefore.throttled,
      },
      events: { published: plan.events.length - failed, failed },
    },
    completedAt,
  );
  const [summaryResult] = await sink.publish([summaryEvent]);
  if (summaryResult && !summaryResult.ok) {
    logger.error('the poll summary was not accepted', { tenant, pollId, errorCode: summaryResult.errorCode });
  }
  logger.info('poll completed', {
    tenant,
    pollId,
    baseline: start.baseline,
    complete,
    ...plan.counts,
    published: plan.events.length - failed,
    failed,
  });
  return summaryEvent.detail;
}

const STOPPED_EARLY = 'stopped before the listing finished';

/** One signal for "stop listing": the caller's (Ctrl-C) or the lease's (lost). */
function stopSignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return given.length > 1 ? AbortSignal.any(given) : given[0];
}
