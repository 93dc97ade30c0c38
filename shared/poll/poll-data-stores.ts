/**
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
import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import type { ListingProgress, ListingReport } from '../dspm/listing.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { PollCompletedDetail } from '../events/contract.ts';
import type { EventSink } from '../events/sink.ts';
import type { Logger } from '../logger.ts';
import { buildPollCompleted, type PollContext } from '../risk/build-events.ts';
import { buildCatalog } from '../risk/catalog.ts';
import { type HeldLease, keepLease, LeaseLostError } from '../state/lease.ts';
import type { SnapshotStore, StoreRecord } from '../state/records.ts';
import type { PollSettings } from './poll-config.ts';
import { newPlan, type PollPlan, planRemovals, planStore, settlePublish } from './poll-plan.ts';

/** What a poll needs. */
export interface PollPorts {
  readonly dspm: DspmClient;
  readonly state: SnapshotStore;
  readonly sink: EventSink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The tenant's name in events and state (its host). */
  readonly tenant: string;
  readonly newPollId?: () => string;
  /** Told after each page of connected stores (the CLI's progress bar). */
  readonly onListingProgress?: ((progress: ListingProgress) => void) | undefined;
  /** Aborted to stop at a safe point (Ctrl-C): no new pages; what was seen is published and committed. */
  readonly signal?: AbortSignal | undefined;
}

/** How a poll ended. */
export type PollOutcome =
  | { readonly status: 'skipped'; readonly reason: 'lease-held'; readonly pollId: string }
  | {
      readonly status: 'completed';
      readonly pollId: string;
      readonly summary: PollCompletedDetail;
      /** Set when the listing failed part-way: what was seen was still published and committed. */
      readonly error?: Error | undefined;
    };

/** Catalog lists are small; more than this means something is wrong. */
const CATALOG_CAP = 100_000;

/**
 * Runs one poll. Throws when the poll could not start (lease, state or catalogs unreadable), or
 * with a `LeaseLostError` when another poll took its lease over (nothing is then committed).
 */
export async function pollDataStores(ports: PollPorts, settings: PollSettings): Promise<PollOutcome> {
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
 * Stores assessed, published and committed together: one DSPM page's worth. Memory holds one
 * page of stores, their committed records and events, plus the ids seen so far.
 */
const STREAM_PAGE = 100;

/** What the pages of one poll added up to, for the summary. */
interface PollTotals {
  readonly counts: PollPlan['counts'];
  /** Ids of every store the listing yielded: the removal stage's "still there". */
  readonly seen: Set<number>;
  events: number;
  failed: number;
  /** Stores with a refused event: several events of one store count it once. */
  refusedStores: number;
  stale: number;
}

/**
 * The poll's stages, read -> (list, assess, publish, commit) per page -> removals -> summarise
 * (the connector shape: read, transform, write, checkpoint), each a function of its own below.
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
  const totals: PollTotals = {
    counts: newPlan().counts,
    seen: new Set(),
    events: 0,
    failed: 0,
    refusedStores: 0,
    stale: 0,
  };
  const listed = await listAndAssess(
    ports,
    settings,
    start,
    (plan) => publishAndCommit(ports, start, plan, totals, { pollId, lease }),
    totals,
    stopSignal(ports.signal, lease.signal),
  );
  if (listed.complete && !start.baseline)
    await removeUnseen(ports, start, totals, (plan) =>
      publishAndCommit(ports, start, plan, totals, { pollId, lease }),
    );
  lease.assertHeld();
  await ports.state.saveMeta(ports.tenant, {
    baselineAt: start.meta?.baselineAt ?? startedAt.toISOString(),
    lastPollId: pollId,
    lastPollAt: startedAt.toISOString(),
  });
  const summary = await summarise(ports, start, totals, listed, { pollId, startedAt, statsBefore });
  return { status: 'completed', pollId, summary, error: listed.error };
}

/**
 * Publishes one page's plan, then commits it. Publish first, commit after: a store whose event
 * was not accepted keeps its old snapshot, so the next poll finds the change again and re-sends
 * it with the same eventId. A poll whose lease was taken over does neither: the new holder does both.
 */
async function publishAndCommit(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  totals: PollTotals,
  run: { pollId: string; lease: HeldLease },
): Promise<void> {
  const { pollId, lease } = run;
  for (const key of Object.keys(plan.counts) as (keyof PollPlan['counts'])[])
    totals.counts[key] += plan.counts[key];
  lease.assertHeld();
  const published = await publishPlan(ports, plan, pollId);
  lease.assertHeld();
  totals.stale += await commitPlan(ports, start, plan, published.accepted, pollId);
  totals.events += plan.events.length;
  totals.failed += published.failed;
  totals.refusedStores += published.refusedStores;
}

/**
 * After a complete pass: every committed store the pass did not see is removed, read from the
 * committed state as a stream and published and committed a batch at a time.
 */
async function removeUnseen(
  ports: PollPorts,
  start: StartingPoint,
  totals: PollTotals,
  flush: (plan: PollPlan) => Promise<void>,
): Promise<void> {
  for await (const batch of ports.state.streamStores(ports.tenant)) {
    const unseen = new Map<number, StoreRecord>();
    for (const record of batch) if (!totals.seen.has(record.storeId)) unseen.set(record.storeId, record);
    if (unseen.size === 0) continue;
    const plan = newPlan();
    planRemovals(plan, unseen, new Date(ports.clock.now()), start.context);
    if (plan.events.length > 0) await flush(plan);
  }
}

/** Where the poll starts from: the tenant's facts and the catalogs (store records are read per page). */
interface StartingPoint {
  readonly meta: Awaited<ReturnType<SnapshotStore['loadMeta']>>;
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
  const [meta, platforms, connections, services, tags] = await Promise.all([
    state.loadMeta(tenant),
    dspm.platforms().toArray(CATALOG_CAP),
    dspm.infrastructureConnections().toArray(CATALOG_CAP),
    dspm.services().toArray(CATALOG_CAP),
    dspm.dataTags().toArray(CATALOG_CAP),
  ]);
  const baseline = meta === undefined;
  return {
    meta,
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

/**
 * Lists every connected store, a page at a time: reads the page's committed records by id, plans
 * what each store's change means, and hands the plan to `flush` (publish, then commit) before
 * asking for more, until done or stopped. A store seen earlier in this pass (offsets shift when
 * stores are added) is skipped: it was assessed once, and one transition has one eventId.
 */
async function listAndAssess(
  ports: PollPorts,
  settings: PollSettings,
  start: StartingPoint,
  flush: (plan: PollPlan) => Promise<void>,
  totals: PollTotals,
  stop: AbortSignal | undefined,
): Promise<ListingOutcome> {
  const { dspm, state, clock, logger, tenant } = ports;
  const pollId = start.context.pollId;
  const assessment = {
    watchedFields: settings.watchedFields,
    minimumDeltas: settings.minimumDeltas,
    silentBaseline: start.silentBaseline,
  };
  const assessPage = async (page: ConnectedDataStore[]) => {
    if (page.length === 0) return;
    const committed = start.baseline
      ? new Map<number, StoreRecord>()
      : await state.loadStoresById(
          tenant,
          page.map((store) => store.id),
        );
    const plan = newPlan();
    const at = new Date(clock.now());
    for (const store of page) planStore(plan, store, committed.get(store.id), at, start.context, assessment);
    await flush(plan);
  };
  const listing = dspm.connectedDataStores({ onProgress: ports.onListingProgress });
  let error: Error | undefined;
  let stoppedEarly = false;
  let page: ConnectedDataStore[] = [];
  // A failure while publishing or committing is the poll's, not the listing's: it propagates.
  let flushing = false;
  try {
    for await (const store of listing) {
      if (!totals.seen.has(store.id)) {
        totals.seen.add(store.id);
        page.push(store);
      }
      if (page.length >= STREAM_PAGE) {
        flushing = true;
        await assessPage(page);
        flushing = false;
        page = [];
      }
      // Leaving the loop ends the listing: pages in flight are dropped, no new ones are asked for.
      if (stop?.aborted) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (caught) {
    if (flushing || caught instanceof LeaseLostError) throw caught;
    error = caught as Error;
    logger.error('listing connected data stores failed part-way; no removals this poll', {
      tenant,
      pollId,
      reason: error.message,
    });
  }
  // What was seen before a stop or a failure is still published and committed.
  await assessPage(page);
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

/** Commits the accepted stores and the quiet ones of one plan; returns how many were stale. */
async function commitPlan(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  accepted: readonly StoreRecord[],
  pollId: string,
): Promise<number> {
  const { state, logger, tenant } = ports;
  if (start.silentBaseline && plan.quiet.length > 0)
    await state.commitStores(tenant, plan.quiet, { baseline: true });
  const records = start.silentBaseline ? accepted : [...accepted, ...plan.quiet];
  if (records.length === 0) return 0;
  const outcome = await state.commitStores(tenant, records);
  if (outcome.stale.length > 0)
    logger.warn('some stores were already committed by a newer poll', {
      tenant,
      pollId,
      stores: outcome.stale.slice(0, 20),
    });
  return outcome.stale.length;
}

/** Builds, publishes and logs the poll's `dspm-poll-completed` summary. */
async function summarise(
  ports: PollPorts,
  start: StartingPoint,
  totals: PollTotals,
  listed: ListingOutcome,
  run: {
    pollId: string;
    startedAt: Date;
    statsBefore: PollPorts['dspm']['stats'];
  },
): Promise<PollCompletedDetail> {
  const { dspm, sink, clock, logger, tenant } = ports;
  const { pollId, startedAt, statsBefore } = run;
  const { failed, refusedStores, stale } = totals;
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
      stores: { ...totals.counts, uncommitted: refusedStores + stale },
      dspm: {
        requests: dspm.stats.requests - statsBefore.requests,
        pages: listed.report.pages,
        retries: dspm.stats.retries - statsBefore.retries,
        throttled: dspm.stats.throttled - statsBefore.throttled,
      },
      events: { published: totals.events - failed, failed },
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
    ...totals.counts,
    published: totals.events - failed,
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
