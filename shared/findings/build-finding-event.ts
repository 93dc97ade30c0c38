/**
 * A finding transition as a bus event (domain -> contract). Pure: the `eventId` is a hash of the
 * transition (tenant, finding, kind, occurrence, sequence, severity), so a retry of an uncommitted
 * transition re-sends the same id.
 */
import { createHash } from 'node:crypto';
import type { BusEvent, DataStoreRef, FindingDetail, FindingException } from '../events/contract.ts';
import { FINDING_DETAIL_TYPE_OF, type FindingCondition } from '../events/detail-types.ts';
import type { FindingTransition } from './transition.ts';

/** What every finding event of a run shares. */
export interface FindingContext {
  readonly tenant: string;
  readonly source: string;
  readonly test: boolean;
  /** The poll that observed it; null when the tagger raised it. */
  readonly pollId: string | null;
}

/** `<tenant>/data-store/<id>/finding/<condition>`: stable per tenant, store and condition. */
export function findingIdOf(tenant: string, storeId: number, condition: FindingCondition): string {
  return `${tenant}/data-store/${storeId}/finding/${condition}`;
}

const CONDITION_TEXT: Record<FindingCondition, string> = {
  'high-risk': 'risk is high',
  'public-access': 'publicly accessible',
  'encryption-off': 'encryption is off',
  'backup-off': 'backup is off',
  unprotected: 'no backup protection',
};

/** The event of one finding transition of `store`, observed at `observedAt`. */
export function buildFindingEvent(
  context: FindingContext,
  store: DataStoreRef,
  transition: FindingTransition,
  evidence: FindingDetail['evidence'],
  observedAt: Date,
): BusEvent<FindingDetail> {
  const { next, condition, kind } = transition;
  const findingId = findingIdOf(context.tenant, store.id, condition);
  const detailType = FINDING_DETAIL_TYPE_OF[kind];
  const detail: FindingDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256')
      .update([findingId, detailType, next.occurrence, next.sequence, next.severity].join('\n'))
      .digest('hex'),
    findingId,
    occurrence: next.occurrence,
    correlationId: `${findingId}/${next.occurrence}`,
    condition,
    // A covered open finding is `suppressed`: subscribers that page people match "open".
    status: next.status === 'open' && next.suppressedBy !== undefined ? 'suppressed' : next.status,
    severity: next.severity,
    previousSeverity: transition.previousSeverity,
    title: titleOf(transition, store),
    openedAt: next.openedAt,
    resolvedAt: next.resolvedAt ?? null,
    resolution: transition.resolution,
    sequence: next.sequence,
    baseline: next.baseline,
    tenant: context.tenant,
    pollId: context.pollId,
    observedAt: observedAt.toISOString(),
    test: context.test,
    dataStore: store,
    evidence,
    ...(transition.exception ? { exception: transition.exception } : {}),
  };
  return { source: context.source, detailType, time: observedAt, detail, storeId: store.id };
}

function titleOf(transition: FindingTransition, store: DataStoreRef): string {
  const what = `${store.name}: ${CONDITION_TEXT[transition.condition]}`;
  switch (transition.kind) {
    case 'opened':
      return `${what} (${transition.next.severity})`;
    case 'updated':
      return `${what} (${transition.previousSeverity} -> ${transition.next.severity})`;
    case 'resolved':
      return `${what}: resolved (${transition.resolution === 'store-removed' ? 'store removed' : 'cleared'})`;
    case 'suppressed':
      return `${what}: suppressed (${transition.exception?.reason ?? 'exception'})`;
    case 'unsuppressed':
      return `${what}: open again (${endOf(transition.exception)})`;
  }
}

function endOf(exception: FindingException | undefined): string {
  if (exception === undefined) return 'its exception ended';
  return exception.revokedAt === null ? 'its exception expired' : 'its exception was revoked';
}
