/**
 * Second stage of the sweep: judge what can be judged without the inventory. A store excluded by
 * configuration is `excluded`; one an event showed backed up within the RPO is `protected`; one a
 * backup system marked unprotected (`LAST_JOB_FAILED`, say) stays so, that being the event path's
 * to change. Every other store is a question for the inventory.
 */
import type { Catalog } from '../../risk/catalog.ts';
import { type CoverageReason, coverageOf, type ProtectionRecord } from '../../state/protection-records.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { SweepSettings } from '../sweep-settings.ts';
import { type Judgement, SWEEP_REASONS, verdictOf } from './judgement.ts';
import type { SweepView } from './sweep-view.ts';

/** The judgements made, and the stores (in id order) left to ask the inventory about. */
export interface FirstJudgements {
  readonly judged: Map<number, Judgement>;
  readonly toAsk: readonly StoreRecord[];
}

/** Judges every store that needs no inventory answer. */
export function judgeWithoutInventory(view: SweepView, sweep: SweepSettings): FirstJudgements {
  const judged = new Map<number, Judgement>();
  const toAsk: StoreRecord[] = [];
  for (const record of view.stores) {
    const judgement = judgeOne(view, sweep, record, view.protections.get(record.storeId));
    if (judgement) judged.set(record.storeId, judgement);
    else toAsk.push(record);
  }
  return { judged, toAsk };
}

function judgeOne(
  view: SweepView,
  sweep: SweepSettings,
  record: StoreRecord,
  protection: ProtectionRecord | undefined,
): Judgement | undefined {
  const exclusion = exclusionOf(record, view.catalog, sweep);
  if (exclusion) {
    // A backup system's `unprotected` stays (the event path's to change); anything else is excluded.
    const lift =
      protection &&
      coverageOf(protection).state !== 'excluded' &&
      (protection.status === 'protected' || SWEEP_REASONS.has(protection.reason));
    const coverage = { state: 'excluded', reason: exclusion, evidence: 'configuration' } as const;
    return {
      counted: 'excluded',
      verdict: lift ? verdictOf(record, coverage, true, protection.reason) : undefined,
    };
  }
  const lastSuccess =
    protection?.lastSuccessAt === undefined ? undefined : Date.parse(protection.lastSuccessAt);
  if (protection && lastSuccess !== undefined && view.now - lastSuccess <= view.rpoMs) {
    // An event showed a backup within the RPO: no need to ask the inventory.
    const lift =
      protection.status === 'unprotected'
        ? SWEEP_REASONS.has(protection.reason)
        : coverageOf(protection).state !== 'protected';
    const coverage = { state: 'protected', reason: 'BACKUP_SUCCEEDED', evidence: 'backup-event' } as const;
    return lift
      ? { counted: 'protected', verdict: verdictOf(record, coverage, true, 'BACKUP_SUCCEEDED') }
      : { counted: protection.status };
  }
  if (protection?.status === 'unprotected' && !SWEEP_REASONS.has(protection.reason)) {
    return { counted: 'unprotected' };
  }
  return undefined;
}

/** Why configuration takes the store out of the sweep, if it does. */
function exclusionOf(
  record: StoreRecord,
  catalog: Catalog,
  sweep: SweepSettings,
): CoverageReason | undefined {
  const { serviceId, connectionId } = record.identity;
  const service = catalog.services.get(serviceId);
  if (sweep.excludedServices.has(String(serviceId)) || (service && sweep.excludedServices.has(service.name)))
    return 'EXCLUDED_SERVICE';
  if (connectionId !== null && sweep.excludedConnections.has(connectionId)) return 'EXCLUDED_CONNECTION';
  return undefined;
}
