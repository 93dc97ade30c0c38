/**
 * Use case: one poll of a DSPM tenant (adapter -> **use case** -> domain).
 *
 * Reads the catalogs and every connected data store, diffs each against its committed snapshot,
 * publishes the events, and commits a store's new snapshot only once its event was accepted. A
 * listing that failed or did not add up never yields `data-store-removed`. A lease, renewed while
 * the poll runs, keeps two polls of one tenant from running over each other; a poll that finds its
 * lease lost stops without committing. An aborted `signal` (Ctrl-C) stops the listing after the
 * page in hand: what was seen is still published and committed, and no removals are reported.
 */
import { randomUUID } from 'node:crypto';
import type { DspmClient } from '../dspm/client.ts';
import type { ListingProgress } from '../dspm/listing.ts';
import type { Clock } from '../dspm/rate-limiter.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { BusEvent, PollCompletedDetail } from '../events/contract.ts';
import type { EventSink } from '../events/sink.ts';
import type { Logger } from '../logger.ts';
import { buildPollCompleted, buildRemoved, type PollContext } from '../risk/build-events.ts';
import { buildCatalog, describeStore } from '../risk/catalog.ts';
import { type HeldLease, keepLease } from '../state/lease.ts';
import type { SnapshotStore, StoreRecord } from '../state/records.ts';
import { assessStore } from './assess-store.ts';
import type { PollSettings } from './poll-config.ts';

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
  if (!settings.dryRun && !(await state.tryAcquireLease(tenant, pollId, startedAt, settings.leaseTtlMs))) {
    logger.info('another poll holds the lease; skipping this one', { tenant, pollId });
    return { status: 'skipped', reason: 'lease-held', pollId };
  }
  const lease = settings.dryRun
    ? undefined
    : keepLease({
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
    if (lease) {
      await lease.stop();
      await state.releaseLease(tenant, pollId);
    }
  }
}

async function runPoll(
  ports: PollPorts,
  settings: PollSettings,
  pollId: string,
  startedAt: Date,
  lease: HeldLease | undefined,
): Promise<PollOutcome> {
  const { dspm, state, sink, clock, logger, tenant } = ports;
  const statsBefore = { ...dspm.stats };
  const [meta, committed, platforms, connections, services, tags] = await Promise.all([
    state.loadMeta(tenant),
    state.loadStores(tenant),
    dspm.platforms().toArray(CATALOG_CAP),
    dspm.infrastructureConnections().toArray(CATALOG_CAP),
    dspm.services().toArray(CATALOG_CAP),
    dspm.dataTags().toArray(CATALOG_CAP),
  ]);
  const baseline = meta === undefined;
  const silentBaseline = baseline && !settings.emitBaselineEvents;
  const context: PollContext = {
    tenant,
    pollId,
    source: settings.source,
    test: settings.test,
    bands: settings.bands,
    catalog: buildCatalog({ platforms, connections, services, tags }),
  };

  const events: BusEvent[] = [];
  /** The record to commit for each event's store, once the event is accepted. */
  const onAccepted = new Map<number, StoreRecord>();
  /** Records committed without an event: a silent baseline, a rename, a newly watched field. */
  const quiet: StoreRecord[] = [];
  const counts = { seen: 0, discovered: 0, changed: 0, removed: 0, unchanged: 0 };
  const seen = new Set<number>();

  const assessment = {
    watchedFields: settings.watchedFields,
    minimumDeltas: settings.minimumDeltas,
    silentBaseline,
  };
  const observe = (store: ConnectedDataStore) => {
    seen.add(store.id);
    counts.seen++;
    const result = assessStore(store, committed.get(store.id), new Date(clock.now()), context, assessment);
    switch (result.kind) {
      case 'unchanged':
        counts.unchanged++;
        return;
      case 'quiet':
        if (result.unchanged) counts.unchanged++;
        quiet.push(result.record);
        return;
      case 'discovered':
      case 'changed':
        counts[result.kind]++;
        onAccepted.set(store.id, result.record);
        events.push(result.event);
    }
  };

  const stop = stopSignal(ports.signal, lease?.signal);
  const listing = dspm.connectedDataStores({ onProgress: ports.onListingProgress });
  let listingError: Error | undefined;
  let stoppedEarly = false;
  try {
    for await (const store of listing) {
      observe(store);
      // Leaving the loop ends the listing: pages in flight are dropped, no new ones are asked for.
      if (stop?.aborted) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (error) {
    listingError = error as Error;
    logger.error('listing connected data stores failed part-way; no removals this poll', {
      tenant,
      pollId,
      reason: listingError.message,
    });
  }
  const report = listing.report();
  const complete = listingError === undefined && !stoppedEarly && report.complete;
  if (stoppedEarly) {
    logger.warn('stopped before the listing finished; publishing and committing what was seen', {
      tenant,
      pollId,
    });
  } else if (!complete && listingError === undefined) {
    logger.warn('listing incomplete; no removals this poll', { tenant, pollId, reason: report.reason });
  }

  if (complete && !baseline) {
    const removedAt = new Date(clock.now());
    for (const [storeId, previous] of committed) {
      if (seen.has(storeId) || previous.removedAt !== undefined) continue;
      counts.removed++;
      const record: StoreRecord = {
        ...previous,
        sequence: previous.sequence + 1,
        observedAt: removedAt.toISOString(),
        removedAt: removedAt.toISOString(),
      };
      onAccepted.set(storeId, record);
      events.push(
        buildRemoved(context, {
          store: describeStore(storeId, previous.identity, tagIdsOf(previous), context.catalog),
          sequence: record.sequence,
          observedAt: removedAt,
          previousObservedAt: previous.observedAt,
          previousFingerprint: previous.fingerprint,
          currentFingerprint: null,
          previous: previous.snapshot,
        }),
      );
    }
  }

  // Publish first, commit after: a store whose event was not accepted keeps its old snapshot, so
  // the next poll finds the change again and re-sends it with the same eventId. A poll whose lease
  // was taken over does neither: the new holder does both.
  lease?.assertHeld();
  const results = await sink.publish(events);
  const accepted: StoreRecord[] = [];
  let failed = 0;
  results.forEach((result, index) => {
    const storeId = events[index]?.storeId;
    const record = storeId === undefined ? undefined : onAccepted.get(storeId);
    if (result.ok && record) accepted.push(record);
    else if (!result.ok) {
      failed++;
      logger.warn('event not accepted; the store stays uncommitted and is retried next poll', {
        tenant,
        pollId,
        storeId,
        errorCode: result.errorCode,
        reason: result.errorMessage,
      });
    }
  });

  let stale = 0;
  lease?.assertHeld();
  if (!settings.dryRun) {
    if (silentBaseline) await state.commitStores(tenant, quiet, { baseline: true });
    const outcome = await state.commitStores(tenant, silentBaseline ? accepted : [...accepted, ...quiet]);
    stale = outcome.stale.length;
    if (stale > 0)
      logger.warn('some stores were already committed by a newer poll', {
        tenant,
        pollId,
        stores: outcome.stale.slice(0, 20),
      });
    await state.saveMeta(tenant, {
      baselineAt: meta?.baselineAt ?? startedAt.toISOString(),
      lastPollId: pollId,
      lastPollAt: startedAt.toISOString(),
    });
  }

  const completedAt = new Date(clock.now());
  const summaryEvent = buildPollCompleted(
    context,
    {
      startedAt: startedAt.toISOString(),
      durationMs: Math.max(0, completedAt.getTime() - startedAt.getTime()),
      // A silent baseline: a first poll that announces every store (--no-baseline) is a normal poll.
      baseline: silentBaseline,
      complete,
      incompleteReason: complete
        ? null
        : (listingError?.message ?? (stoppedEarly ? STOPPED_EARLY : report.reason) ?? 'unknown'),
      stores: { ...counts, uncommitted: failed + stale },
      dspm: {
        requests: dspm.stats.requests - statsBefore.requests,
        pages: report.pages,
        retries: dspm.stats.retries - statsBefore.retries,
        throttled: dspm.stats.throttled - statsBefore.throttled,
      },
      events: { published: events.length - failed, failed },
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
    baseline,
    complete,
    ...counts,
    published: events.length - failed,
    failed,
  });
  return { status: 'completed', pollId, summary: summaryEvent.detail, error: listingError };
}

const STOPPED_EARLY = 'stopped before the listing finished';

/** One signal for "stop listing": the caller's (Ctrl-C) or the lease's (lost). */
function stopSignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return given.length > 1 ? AbortSignal.any(given) : given[0];
}

function tagIdsOf(record: StoreRecord): readonly number[] {
  const tags = record.snapshot.data_tags;
  return Array.isArray(tags) ? tags : [];
}
