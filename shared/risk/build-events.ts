/**
 * Builds the bus events of one poll from the diff results (domain -> contract). Pure: time, ids
 * and names all come in as arguments, so a retried transition produces the same `eventId`.
 */
import { createHash } from 'node:crypto';
import type {
  BusEvent,
  DataStoreRef,
  DiscoveredDetail,
  FieldChangeDetail,
  PollCompletedDetail,
  RemovedDetail,
  RiskChangedDetail,
} from '../events/contract.ts';
import { DETAIL_TYPES } from '../events/detail-types.ts';
import type { ExceptionsInForce } from '../exceptions/coverage.ts';
import type { FindingSettings } from '../findings/severities.ts';
import type { Catalog } from './catalog.ts';
import { type FieldChange, overallDirection } from './diff.ts';
import { type RiskBands, riskLevel } from './levels.ts';
import type { Snapshot, SnapshotValue } from './snapshot.ts';

/** What every event of a poll shares. */
export interface PollContext {
  readonly tenant: string;
  readonly pollId: string;
  readonly source: string;
  readonly test: boolean;
  readonly bands: RiskBands;
  readonly catalog: Catalog;
  /** Finding severities and which conditions are on; the documented defaults when absent. */
  readonly findings?: FindingSettings | undefined;
  /** The tenant's first poll: findings opened now are `baseline`. */
  readonly firstPoll?: boolean | undefined;
  /** The tenant's exceptions as they stand this chunk (read once, not per store); none when absent. */
  readonly exceptions?: ExceptionsInForce | undefined;
}

/**
 * SHA-256 of the transition: tenant, store, detail type, sequence and both fingerprints. A retry
 * of an uncommitted transition has the same inputs, so subscribers can drop the duplicate.
 */
export function transitionEventId(parts: {
  tenant: string;
  storeId: number;
  detailType: string;
  sequence: number;
  previousFingerprint: string | null;
  currentFingerprint: string | null;
}): string {
  const key = [
    parts.tenant,
    parts.storeId,
    parts.detailType,
    parts.sequence,
    parts.previousFingerprint ?? '-',
    parts.currentFingerprint ?? '-',
  ].join('\n');
  return createHash('sha256').update(key).digest('hex');
}

/** `<tenant>/data-store/<id>`: stable per store, for ServiceNow coalescing. */
export function correlationIdOf(tenant: string, storeId: number): string {
  return `${tenant}/data-store/${storeId}`;
}

/** The inputs of a per-store event. */
export interface StoreTransition {
  readonly store: DataStoreRef;
  readonly sequence: number;
  readonly observedAt: Date;
  readonly previousObservedAt: string | null;
  readonly previousFingerprint: string | null;
  readonly currentFingerprint: string | null;
}

/** `data-store-risk-changed`. */
export function buildRiskChanged(
  context: PollContext,
  transition: StoreTransition & { previous: Snapshot; current: Snapshot; changes: readonly FieldChange[] },
): BusEvent<RiskChangedDetail> {
  const previousLevel = riskLevel(ratingOf(transition.previous), context.bands);
  const currentLevel = riskLevel(ratingOf(transition.current), context.bands);
  const detail: RiskChangedDetail = {
    ...envelope(context, DETAIL_TYPES.riskChanged, transition),
    severity: currentLevel,
    riskLevel: { previous: previousLevel, current: currentLevel },
    direction: overallDirection(transition.changes),
    changedFields: transition.changes.map((change) => change.field),
    changes: transition.changes.map((change) => describeChange(change, context.catalog)),
    previous: values(transition.previous),
    current: values(transition.current),
  };
  return {
    source: context.source,
    detailType: DETAIL_TYPES.riskChanged,
    time: transition.observedAt,
    detail,
    storeId: transition.store.id,
  };
}

/** `data-store-discovered`. */
export function buildDiscovered(
  context: PollContext,
  transition: StoreTransition & { current: Snapshot },
): BusEvent<DiscoveredDetail> {
  const level = riskLevel(ratingOf(transition.current), context.bands);
  const detail: DiscoveredDetail = {
    ...envelope(context, DETAIL_TYPES.discovered, transition),
    severity: level,
    riskLevel: { current: level },
    current: values(transition.current),
  };
  return {
    source: context.source,
    detailType: DETAIL_TYPES.discovered,
    time: transition.observedAt,
    detail,
    storeId: transition.store.id,
  };
}

/** `data-store-removed`. */
export function buildRemoved(
  context: PollContext,
  transition: StoreTransition & { previous: Snapshot },
): BusEvent<RemovedDetail> {
  const detail: RemovedDetail = {
    ...envelope(context, DETAIL_TYPES.removed, transition),
    previous: values(transition.previous),
  };
  return {
    source: context.source,
    detailType: DETAIL_TYPES.removed,
    time: transition.observedAt,
    detail,
    storeId: transition.store.id,
  };
}

/** `dspm-poll-completed`. */
export function buildPollCompleted(
  context: Pick<PollContext, 'tenant' | 'pollId' | 'source' | 'test'>,
  summary: Omit<
    PollCompletedDetail,
    'schemaVersion' | 'eventId' | 'tenant' | 'pollId' | 'test' | 'observedAt'
  >,
  completedAt: Date,
): BusEvent<PollCompletedDetail> {
  const detail: PollCompletedDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256')
      .update(`${context.tenant}\n${DETAIL_TYPES.pollCompleted}\n${context.pollId}`)
      .digest('hex'),
    tenant: context.tenant,
    pollId: context.pollId,
    test: context.test,
    observedAt: completedAt.toISOString(),
    ...summary,
  };
  return { source: context.source, detailType: DETAIL_TYPES.pollCompleted, time: completedAt, detail };
}

function envelope(context: PollContext, detailType: string, transition: StoreTransition) {
  return {
    schemaVersion: '1' as const,
    eventId: transitionEventId({
      tenant: context.tenant,
      storeId: transition.store.id,
      detailType,
      sequence: transition.sequence,
      previousFingerprint: transition.previousFingerprint,
      currentFingerprint: transition.currentFingerprint,
    }),
    correlationId: correlationIdOf(context.tenant, transition.store.id),
    sequence: transition.sequence,
    tenant: context.tenant,
    pollId: context.pollId,
    observedAt: transition.observedAt.toISOString(),
    previousObservedAt: transition.previousObservedAt,
    test: context.test,
    dataStore: transition.store,
  };
}

function describeChange(change: FieldChange, catalog: Catalog): FieldChangeDetail {
  const base: FieldChangeDetail = {
    field: change.field,
    previous: copy(change.previous),
    current: copy(change.current),
    direction: change.direction,
    ...(change.delta === undefined ? {} : { delta: change.delta }),
  };
  if (change.field !== 'data_tags') return base;
  const before = new Set(asIds(change.previous));
  const after = new Set(asIds(change.current));
  const named = (id: number) => ({ id, name: catalog.tags.get(id)?.name ?? null });
  return {
    ...base,
    added: [...after].filter((id) => !before.has(id)).map(named),
    removed: [...before].filter((id) => !after.has(id)).map(named),
  };
}

function ratingOf(snapshot: Snapshot): number | null {
  const rating = snapshot.data_store_risk_rating;
  return typeof rating === 'number' ? rating : null;
}

function values(snapshot: Snapshot): Record<string, number | string | number[] | null> {
  const out: Record<string, number | string | number[] | null> = {};
  for (const [field, value] of Object.entries(snapshot)) out[field] = copy(value ?? null);
  return out;
}

function copy(value: SnapshotValue | undefined): number | string | number[] | null {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? [...value] : (value as number | string);
}

function asIds(value: SnapshotValue): readonly number[] {
  return Array.isArray(value) ? value : [];
}
