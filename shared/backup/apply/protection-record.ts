/**
 * Stages of applying an observation: the store's next protection record, and its commit. The
 * record is written last, after DSPM and the bus, so a failure anywhere before replays cleanly
 * (the event id is not recorded yet, so the redelivery is not taken for a duplicate).
 */
import { TransientError } from '../../errors.ts';
import type { FindingTransition } from '../../findings/transition.ts';
import {
  type Coverage,
  coverageOf,
  type ProtectionRecord,
  type ProtectionStore,
} from '../../state/protection-records.ts';
import type { TagAction } from '../apply-protection.ts';
import type { BackupObservation } from '../observation.ts';

/** Event ids kept per store to recognise replays. */
const RECENT_EVENT_IDS = 20;

/** The record the observation leads to (the `unprotected` finding's state is added at commit). */
export function nextProtectionRecord(
  storeId: number,
  record: ProtectionRecord | undefined,
  observation: BackupObservation,
  action: TagAction,
): ProtectionRecord {
  const addedByBridge = record?.tagAddedByBridge ?? false;
  return {
    storeId,
    status: observation.protected ? 'protected' : 'unprotected',
    reason: observation.reason,
    observedAt: observation.observedAt.toISOString(),
    system: observation.system,
    lastSuccessAt: latest(record?.lastSuccessAt, observation.successAt),
    tagAddedByBridge: action === 'added' ? true : action === 'removed' ? false : addedByBridge,
    recentEventIds: [...(record?.recentEventIds ?? []), observation.eventId].slice(-RECENT_EVENT_IDS),
    version: (record?.version ?? 0) + 1,
    coverage: coverageFor(observation),
  };
}

/** True when the change is worth a `data-store-protection-changed` event. */
export function protectionChanged(
  record: ProtectionRecord | undefined,
  next: ProtectionRecord,
  action: TagAction,
): boolean {
  return (
    record?.status !== next.status ||
    action === 'added' ||
    action === 'removed' ||
    !record ||
    coverageOf(record).state !== coverageOf(next).state
  );
}

/**
 * Writes the record with the `unprotected` finding's state: the one it moved to, else the one it
 * had (the record is built afresh, so the state is carried over even when it did not move).
 * @throws TransientError when the record changed under the lock (the event is retried).
 */
export async function commitProtectionRecord(
  ports: { readonly state: ProtectionStore; readonly tenant: string },
  previous: ProtectionRecord | undefined,
  next: ProtectionRecord,
  findings: readonly FindingTransition[],
): Promise<void> {
  const findingState = findings.at(-1)?.next ?? previous?.unprotectedFinding;
  const committed: ProtectionRecord = findingState ? { ...next, unprotectedFinding: findingState } : next;
  if (!(await ports.state.putProtection(ports.tenant, committed))) {
    throw new TransientError(
      `protection record of store ${next.storeId} changed while it was locked; the event will be retried`,
    );
  }
}

/** The coverage an observation sets: the sweep's own, or what a backup system's event says. */
function coverageFor(observation: BackupObservation): Coverage {
  return (
    observation.coverage ?? {
      state: observation.protected ? 'protected' : 'unprotected',
      reason: observation.reason,
      evidence: 'backup-event',
    }
  );
}

function latest(recorded: string | undefined, success: Date | undefined): string | undefined {
  if (success === undefined) return recorded;
  if (recorded === undefined || Date.parse(recorded) < success.getTime()) return success.toISOString();
  return recorded;
}
