/**
 * Stage of applying an observation: an event already applied (a replay) or older than the one
 * the record holds changes nothing, so SQS redeliveries and out-of-order events are harmless.
 */
import type { Logger } from '../../logger.ts';
import type { ProtectionRecord } from '../../state/protection-records.ts';
import type { ProtectionOutcome } from '../apply-protection.ts';
import type { BackupObservation } from '../observation.ts';

/** The outcome when the observation must be skipped (`duplicate` or `stale`); undefined to go on. */
export function skipReplayedOrStale(
  logger: Logger,
  record: ProtectionRecord | undefined,
  observation: BackupObservation,
  storeId: number,
): ProtectionOutcome | undefined {
  const { eventId } = observation;
  if (record?.recentEventIds.includes(eventId)) return { status: 'duplicate', eventId, storeId };
  if (record && observation.observedAt.getTime() < Date.parse(record.observedAt)) {
    logger.info('backup event older than the last one applied; ignored', {
      eventId,
      storeId,
      recordObservedAt: record.observedAt,
    });
    return { status: 'stale', eventId, storeId };
  }
  return undefined;
}
