/**
 * The per-store step of a poll (use case -> **domain**): compare one listed store with its
 * committed record and decide what to publish and what to commit. Pure and synchronous, so the
 * poll's hot loop is measurable on its own (bench:poll).
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { BusEvent } from '../events/contract.ts';
import { buildDiscovered, buildRiskChanged, type PollContext } from '../risk/build-events.ts';
import { describeStore, identityOf, sameIdentity, storeMatchesIdentity } from '../risk/catalog.ts';
import { diffSnapshots, type MinimumDeltas } from '../risk/diff.ts';
import {
  fingerprint,
  type Snapshot,
  sameSnapshot,
  storeMatchesSnapshot,
  takeSnapshot,
} from '../risk/snapshot.ts';
import type { WatchedField } from '../risk/watched-fields.ts';
import type { StoreRecord } from '../state/records.ts';

/** What the poll does about one store. */
export type Assessment =
  /** Nothing changed: no event, no write. */
  | { readonly kind: 'unchanged' }
  /** Nothing to report, but the record must be updated (a rename, a newly watched field, a silent baseline). */
  | { readonly kind: 'quiet'; readonly record: StoreRecord; readonly unchanged: boolean }
  /** Publish `event`; commit `record` once it is accepted. */
  | { readonly kind: 'discovered' | 'changed'; readonly event: BusEvent; readonly record: StoreRecord };

const UNCHANGED: Assessment = { kind: 'unchanged' };

/** What every assessment of a poll shares. */
export interface AssessmentSettings {
  readonly watchedFields: readonly WatchedField[];
  readonly minimumDeltas: MinimumDeltas;
  /** The tenant's first poll, recorded without events. */
  readonly silentBaseline: boolean;
}

/** Assesses one store observed at `observedAt` against its committed record (if any). */
export function assessStore(
  store: ConnectedDataStore,
  previous: StoreRecord | undefined,
  observedAt: Date,
  context: PollContext,
  settings: AssessmentSettings,
): Assessment {
  // The common case, an unchanged store, is settled here without allocating anything.
  if (
    previous !== undefined &&
    previous.removedAt === undefined &&
    storeMatchesSnapshot(store, previous.snapshot, settings.watchedFields) &&
    storeMatchesIdentity(store, previous.identity)
  ) {
    return UNCHANGED;
  }
  const observed = { at: observedAt, snapshot: takeSnapshot(store, settings.watchedFields) };
  if (previous === undefined || previous.removedAt !== undefined)
    return assessNew(store, previous, observed, context, settings);
  return assessKnown(store, previous, observed, context, settings);
}

/** What was observed of a store that did not match its committed record. */
interface Observation {
  readonly at: Date;
  readonly snapshot: Snapshot;
}

/** A store never committed, or back from the removed: discovered, or quietly recorded on a silent baseline. */
function assessNew(
  store: ConnectedDataStore,
  previous: StoreRecord | undefined,
  { at, snapshot }: Observation,
  context: PollContext,
  settings: AssessmentSettings,
): Assessment {
  const identity = identityOf(store);
  const record: StoreRecord = {
    storeId: store.id,
    identity,
    snapshot,
    fingerprint: fingerprint(snapshot),
    sequence: settings.silentBaseline ? 0 : (previous?.sequence ?? 0) + 1,
    observedAt: at.toISOString(),
    // A store back from the removed keeps no earlier watch: its coverage is watched afresh.
    firstSeenAt: at.toISOString(),
  };
  if (settings.silentBaseline) return { kind: 'quiet', record, unchanged: false };
  const event = buildDiscovered(context, {
    store: describeStore(store.id, identity, store.data_tags ?? [], context.catalog),
    sequence: record.sequence,
    observedAt: at,
    previousObservedAt: previous?.observedAt ?? null,
    previousFingerprint: previous?.fingerprint ?? null,
    currentFingerprint: record.fingerprint,
    current: snapshot,
  });
  return { kind: 'discovered', event, record };
}

/**
 * A live committed store that differs: changed when a watched field moved past its minimum
 * delta, else quietly updated (a rename, a newly watched field, a move below the delta) or, when
 * nothing committable moved, unchanged.
 */
function assessKnown(
  store: ConnectedDataStore,
  previous: StoreRecord,
  { at, snapshot }: Observation,
  context: PollContext,
  settings: AssessmentSettings,
): Assessment {
  const identity = identityOf(store);
  const { changes, committable } = sameSnapshot(previous.snapshot, snapshot)
    ? { changes: [], committable: previous.snapshot }
    : diffSnapshots(previous.snapshot, snapshot, settings.minimumDeltas);
  const observed = {
    identity,
    snapshot: committable,
    fingerprint: fingerprint(committable),
    observedAt: at.toISOString(),
  };
  if (changes.length === 0) {
    if (sameIdentity(previous.identity, identity) && sameSnapshot(previous.snapshot, committable))
      return { kind: 'unchanged' };
    return { kind: 'quiet', record: { ...previous, ...observed }, unchanged: true };
  }
  const record: StoreRecord = {
    storeId: store.id,
    identity,
    snapshot: committable,
    fingerprint: observed.fingerprint,
    sequence: previous.sequence + 1,
    observedAt: observed.observedAt,
    ...(previous.firstSeenAt === undefined ? {} : { firstSeenAt: previous.firstSeenAt }),
  };
  const event = buildRiskChanged(context, {
    store: describeStore(store.id, identity, store.data_tags ?? [], context.catalog),
    sequence: record.sequence,
    observedAt: at,
    previousObservedAt: previous.observedAt,
    previousFingerprint: previous.fingerprint,
    currentFingerprint: record.fingerprint,
    previous: previous.snapshot,
    current: snapshot,
    changes,
  });
  return { kind: 'changed', event, record };
}
