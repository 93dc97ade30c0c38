/**
 * Domain of one poll: what it saw and what it will publish and commit. The listing stage feeds it
 * one store at a time; the removal stage adds the stores a complete listing no longer holds.
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { BusEvent, DataStoreRef } from '../events/contract.ts';
import type { PublishResult } from '../events/sink.ts';
import {
  type CoverageSubject,
  coveringExceptionIds,
  type ExceptionsInForce,
  findingCoverageOf,
  subjectOfStore,
} from '../exceptions/coverage.ts';
import { type FindingCoverage, UNCOVERED } from '../findings/apply-exceptions.ts';
import {
  assessFindings,
  type FindingsOutcome,
  findingsUpToDate,
  resolveRemoved,
} from '../findings/assess-findings.ts';
import { buildFindingEvent } from '../findings/build-finding-event.ts';
import { evidenceOf, isPollCondition } from '../findings/conditions.ts';
import { DEFAULT_FINDING_SETTINGS } from '../findings/severities.ts';
import { buildRemoved, type PollContext } from '../risk/build-events.ts';
import { describeStore } from '../risk/catalog.ts';
import type { Snapshot } from '../risk/snapshot.ts';
import type { StoreRecord } from '../state/records.ts';
import { type Assessment, assessStore } from './assess-store.ts';
import type { PollCounts } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';

/** What a poll will publish, and commit once published. */
export interface PollPlan {
  readonly events: BusEvent[];
  /** The record to commit for each event's store, once every event of that store is accepted. */
  readonly onAccepted: Map<number, StoreRecord>;
  /**
   * The record to commit instead when some event of the store was refused, where one exists: on a
   * silent baseline, the store's record without its findings, so it is not "discovered" next poll
   * and its findings open then, still as baseline, with the same eventIds.
   */
  readonly onRefused: Map<number, StoreRecord>;
  /** Records committed without an event: a silent baseline, a rename, a newly watched field. */
  readonly quiet: StoreRecord[];
  readonly counts: PollCounts;
  readonly seen: Set<number>;
}

/** An empty plan. */
export function newPlan(): PollPlan {
  return {
    events: [],
    onAccepted: new Map(),
    onRefused: new Map(),
    quiet: [],
    counts: { seen: 0, discovered: 0, changed: 0, removed: 0, unchanged: 0 },
    seen: new Set(),
  };
}

/** Assesses one listed store against its committed record and adds the outcome to the plan. */
export function planStore(
  plan: PollPlan,
  store: ConnectedDataStore,
  committed: StoreRecord | undefined,
  at: Date,
  context: PollContext,
  assessment: Pick<PollSettings, 'watchedFields' | 'minimumDeltas'> & { readonly silentBaseline: boolean },
): void {
  plan.seen.add(store.id);
  plan.counts.seen++;
  const result = assessStore(store, committed, at, context, assessment);
  const findings = planFindings(store, committed, result, at, context);
  switch (result.kind) {
    case 'unchanged':
      plan.counts.unchanged++;
      break;
    case 'quiet':
      if (result.unchanged) plan.counts.unchanged++;
      if (!findings) plan.quiet.push(result.record);
      break;
    case 'discovered':
    case 'changed':
      plan.counts[result.kind]++;
      plan.onAccepted.set(store.id, findings?.record ?? result.record);
      plan.events.push(result.event);
  }
  if (!findings) return;
  if (findings.events.length === 0) {
    if (result.kind === 'unchanged' || result.kind === 'quiet') plan.quiet.push(findings.record);
    return;
  }
  plan.events.push(...findings.events);
  plan.onAccepted.set(store.id, findings.record);
  // A silent baseline's store whose findings were refused still commits, without them.
  if (result.kind === 'quiet' && context.firstPoll === true)
    plan.onRefused.set(store.id, withoutFindings(result.record));
}

/**
 * Steps the store's findings: the record to commit with its next finding states and the events
 * that announce them (undefined when they cannot have moved).
 */
function planFindings(
  store: ConnectedDataStore,
  committed: StoreRecord | undefined,
  result: Assessment,
  at: Date,
  context: PollContext,
): { readonly record: StoreRecord; readonly events: BusEvent[] } | undefined {
  const settings = context.findings ?? DEFAULT_FINDING_SETTINGS;
  const coverage = storeCoverage(context.exceptions, () => subjectOfStore(store));
  // The common case, an unchanged store whose findings cannot have moved, allocates nothing.
  if (
    result.kind === 'unchanged' &&
    (committed === undefined ||
      findingsUpToDate(committed.findings, committed.snapshot, settings, context.bands, coverage))
  )
    return undefined;
  const base = result.kind === 'unchanged' ? committed : result.record;
  if (base === undefined) return undefined;
  const live = committed !== undefined && committed.removedAt === undefined;
  // A store back from the removed keeps its findings' history (all resolved on removal), so a
  // condition holding again opens the next occurrence, never occurrence 1 under a reused eventId.
  const states = committed?.findings;
  const assessment = {
    settings,
    bands: context.bands,
    // A store committed before findings existed: what holds now already held then.
    baseline: context.firstPoll === true || (live && committed.findings === undefined),
    coverage,
  };
  const outcome = assessFindings(states, base.snapshot, at, assessment);
  const record: StoreRecord = {
    ...base,
    findings: outcome.next,
    ...(result.kind === 'unchanged' ? { observedAt: at.toISOString() } : {}),
  };
  if (outcome.transitions.length === 0) return { record, events: [] };
  const ref = describeStore(store.id, record.identity, store.data_tags ?? [], context.catalog);
  return { record, events: findingEvents(ref, outcome, record.snapshot, at, context) };
}

function findingEvents(
  store: DataStoreRef,
  outcome: FindingsOutcome,
  snapshot: Snapshot,
  at: Date,
  context: PollContext,
): BusEvent[] {
  return outcome.transitions.flatMap((transition) =>
    isPollCondition(transition.condition)
      ? [buildFindingEvent(context, store, transition, evidenceOf(transition.condition, snapshot), at)]
      : [],
  );
}

/**
 * What the exceptions say about one store: the shared "uncovered" view when the tenant has none,
 * so a tenant without exceptions allocates nothing per store.
 */
function storeCoverage(
  inForce: ExceptionsInForce | undefined,
  subject: () => CoverageSubject,
): FindingCoverage {
  if (inForce === undefined || inForce.byId.size === 0) return UNCOVERED;
  return findingCoverageOf(inForce, subject());
}

function subjectOfRecord(record: StoreRecord): CoverageSubject {
  return {
    storeId: record.storeId,
    connectionId: record.identity.connectionId,
    serviceId: record.identity.serviceId,
    tagIds: tagIdsOf(record),
  };
}

/**
 * The ids of the exceptions in force covering any finding of a listed store, sorted: for the
 * per-store fingerprint of unchanged stores, so a change of coverage makes the store "moved".
 */
export function coveringExceptionIdsOf(
  inForce: ExceptionsInForce | undefined,
  store: ConnectedDataStore,
): string[] {
  if (inForce === undefined || inForce.active.length === 0) return [];
  return coveringExceptionIds(inForce, subjectOfStore(store));
}

function withoutFindings(record: StoreRecord): StoreRecord {
  const { findings: _dropped, ...rest } = record;
  return rest;
}

/**
 * Adds a `data-store-removed` for every committed store the listing did not hold. Only ever
 * called after a complete listing: absence from an incomplete one proves nothing.
 */
export function planRemovals(
  plan: PollPlan,
  committed: ReadonlyMap<number, StoreRecord>,
  removedAt: Date,
  context: PollContext,
): void {
  for (const [storeId, previous] of committed) {
    if (plan.seen.has(storeId) || previous.removedAt !== undefined) continue;
    plan.counts.removed++;
    const findings = resolveRemoved(
      previous.findings,
      removedAt,
      storeCoverage(context.exceptions, () => subjectOfRecord(previous)),
    );
    const record: StoreRecord = {
      ...previous,
      sequence: previous.sequence + 1,
      observedAt: removedAt.toISOString(),
      removedAt: removedAt.toISOString(),
      ...(previous.findings === undefined ? {} : { findings: findings.next }),
    };
    const store = describeStore(storeId, previous.identity, tagIdsOf(previous), context.catalog);
    plan.onAccepted.set(storeId, record);
    plan.events.push(
      buildRemoved(context, {
        store,
        sequence: record.sequence,
        observedAt: removedAt,
        previousObservedAt: previous.observedAt,
        previousFingerprint: previous.fingerprint,
        currentFingerprint: null,
        previous: previous.snapshot,
      }),
    );
    plan.events.push(...findingEvents(store, findings, previous.snapshot, removedAt, context));
  }
}

/** What publishing a plan settled: the records to commit, and the refused events with their store. */
export interface PublishSettlement {
  readonly toCommit: StoreRecord[];
  /** How many stores had an event refused (their state stays as it was). */
  readonly refusedStores: number;
  readonly refused: {
    readonly storeId: number | undefined;
    readonly errorCode: string;
    readonly errorMessage: string;
  }[];
}

/**
 * Matches the publish results (in the order of `plan.events`) to stores: a store commits its
 * record only when EVERY one of its events was accepted; one refusal and none of its state moves
 * (or only its `onRefused` record), so the next poll re-sends the same transitions, same eventIds.
 */
export function settlePublish(plan: PollPlan, results: readonly PublishResult[]): PublishSettlement {
  const refusedStores = new Set<number>();
  const refused: PublishSettlement['refused'][number][] = [];
  plan.events.forEach((event, index) => {
    const result = results[index];
    if (result?.ok) return;
    if (event.storeId !== undefined) refusedStores.add(event.storeId);
    refused.push({
      storeId: event.storeId,
      errorCode: result?.errorCode ?? 'NoResult',
      errorMessage: result?.errorMessage ?? 'the sink returned no result for this event',
    });
  });
  const toCommit: StoreRecord[] = [];
  for (const [storeId, record] of plan.onAccepted) {
    if (!refusedStores.has(storeId)) toCommit.push(record);
    else {
      const fallback = plan.onRefused.get(storeId);
      if (fallback) toCommit.push(fallback);
    }
  }
  return { toCommit, refusedStores: refusedStores.size, refused };
}

function tagIdsOf(record: StoreRecord): readonly number[] {
  const tags = record.snapshot.data_tags;
  return Array.isArray(tags) ? tags : [];
}
