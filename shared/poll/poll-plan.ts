/**
 * Domain of one poll: what it saw and what it will publish and commit. The listing stage feeds it
 * one store at a time; the removal stage adds the stores a complete listing no longer holds.
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { BusEvent } from '../events/contract.ts';
import { buildRemoved, type PollContext } from '../risk/build-events.ts';
import { describeStore } from '../risk/catalog.ts';
import type { StoreRecord } from '../state/records.ts';
import { assessStore } from './assess-store.ts';
import type { PollSettings } from './poll-config.ts';

/** Stores by outcome, for the summary. */
export interface PollCounts {
  seen: number;
  discovered: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/** What a poll will publish, and commit once published. */
export interface PollPlan {
  readonly events: BusEvent[];
  /** The record to commit for each event's store, once the event is accepted. */
  readonly onAccepted: Map<number, StoreRecord>;
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
  switch (result.kind) {
    case 'unchanged':
      plan.counts.unchanged++;
      return;
    case 'quiet':
      if (result.unchanged) plan.counts.unchanged++;
      plan.quiet.push(result.record);
      return;
    case 'discovered':
    case 'changed':
      plan.counts[result.kind]++;
      plan.onAccepted.set(store.id, result.record);
      plan.events.push(result.event);
  }
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
    const record: StoreRecord = {
      ...previous,
      sequence: previous.sequence + 1,
      observedAt: removedAt.toISOString(),
      removedAt: removedAt.toISOString(),
    };
    plan.onAccepted.set(storeId, record);
    plan.events.push(
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

function tagIdsOf(record: StoreRecord): readonly number[] {
  const tags = record.snapshot.data_tags;
  return Array.isArray(tags) ? tags : [];
}
