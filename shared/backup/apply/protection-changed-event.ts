/**
 * The `data-store-protection-changed` event one applied observation publishes (docs/events.md):
 * the store, its protection and coverage before and after, the tag action, and what triggered it.
 */
import { createHash } from 'node:crypto';
import type { BusEvent, ProtectionChangedDetail } from '../../events/contract.ts';
import { DETAIL_TYPES } from '../../events/detail-types.ts';
import { correlationIdOf } from '../../risk/build-events.ts';
import { coverageOf, type ProtectionRecord } from '../../state/protection-records.ts';
import type { ProtectionSettings, TagAction } from '../apply-protection.ts';
import type { BackupObservation } from '../observation.ts';

/** The change the event describes. */
export interface ProtectionChange {
  readonly storeId: number;
  readonly dataStore: ProtectionChangedDetail['dataStore'];
  readonly previous: ProtectionRecord | undefined;
  readonly next: ProtectionRecord;
  readonly tagId: number;
  readonly action: TagAction;
}

/** Builds the event; its id is derived from the trigger's, so a replay publishes the same id. */
export function buildProtectionChanged(
  tenant: string,
  settings: ProtectionSettings,
  observation: BackupObservation,
  change: ProtectionChange,
): BusEvent<ProtectionChangedDetail> {
  const detail: ProtectionChangedDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256')
      .update(`${tenant}\n${change.storeId}\nprotection\n${observation.eventId}`)
      .digest('hex'),
    correlationId: correlationIdOf(tenant, change.storeId),
    tenant,
    observedAt: observation.observedAt.toISOString(),
    test: settings.test,
    dataStore: change.dataStore,
    protection: {
      previous: change.previous ? { status: change.previous.status, reason: change.previous.reason } : null,
      current: {
        status: change.next.status,
        reason: change.next.reason,
        system: change.next.system,
        lastSuccessAt: change.next.lastSuccessAt ?? null,
      },
    },
    coverage: {
      previous: change.previous ? coverageOf(change.previous) : null,
      current: coverageOf(change.next),
    },
    tag: { id: change.tagId, name: settings.tag.tagName, action: change.action },
    trigger: { source: observation.source, detailType: observation.detailType, eventId: observation.eventId },
  };
  return {
    source: settings.source,
    detailType: DETAIL_TYPES.protectionChanged,
    time: observation.observedAt,
    detail,
    storeId: change.storeId,
  };
}
