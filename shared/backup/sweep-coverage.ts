/**
 * Use case: the coverage sweep (adapter -> **use case** -> domain). Backup events are best
 * effort, so a store with no successful backup seen within the RPO is unprotected even if no
 * event ever said so: `RPO_BREACH` when a success was seen once, `NOT_ENROLLED` when none ever
 * was. A store the sweep itself marked, whose last success is now within the RPO, is protected
 * again. Each change goes through `applyBackupObservation`, exactly as an event would.
 */
import type { Logger } from '../logger.ts';
import type { ProtectionRecord, ProtectionStore } from '../state/protection-records.ts';
import type { SnapshotStore } from '../state/records.ts';
import {
  applyBackupObservation,
  type ProtectionOutcome,
  type ProtectionPorts,
  type ProtectionSettings,
} from './apply-protection.ts';
import type { BackupObservation } from './observation.ts';

/** Sweep settings. */
export interface SweepSettings {
  /** `BACKUP_RPO_HOURS` (default 26). */
  readonly rpoHours: number;
  /** Service ids or names that are never swept (`BACKUP_EXCLUDED_SERVICES`). */
  readonly excludedServices: ReadonlySet<string>;
  /** Infrastructure connection ids never swept (`BACKUP_EXCLUDED_CONNECTIONS`). */
  readonly excludedConnections: ReadonlySet<number>;
  /** Most changes one sweep makes (`COVERAGE_MAX_CHANGES`); the rest wait for the next sweep. */
  readonly maxChanges: number;
}

/** What one store's sweep decided. */
export interface SweepDecision {
  readonly storeId: number;
  readonly name: string;
  readonly endpoint: string;
  readonly to: 'protected' | 'unprotected';
  readonly reason: 'RPO_BREACH' | 'NOT_ENROLLED' | 'BACKUP_SUCCEEDED';
  readonly outcome?: ProtectionOutcome | undefined;
}

/** The sweep's report. */
export interface SweepReport {
  readonly sweepId: string;
  readonly storesChecked: number;
  readonly excluded: number;
  readonly decisions: readonly SweepDecision[];
  /** Decisions left for the next sweep because of `maxChanges`. */
  readonly deferred: number;
}

/** The reasons the sweep itself sets (and so may lift). */
const SWEEP_REASONS: ReadonlySet<string> = new Set(['RPO_BREACH', 'NOT_ENROLLED']);

/** Runs one sweep over the stores the poller has committed. */
export async function sweepCoverage(
  ports: ProtectionPorts & { readonly state: ProtectionStore & SnapshotStore; readonly logger: Logger },
  settings: ProtectionSettings,
  sweep: SweepSettings,
  sweepId: string,
): Promise<SweepReport> {
  const { state, tenant, clock } = ports;
  const [stores, protections, catalog] = await Promise.all([
    state.loadStores(tenant),
    state.listProtections(tenant),
    ports.catalog.get(),
  ]);
  const now = clock.now();
  const rpoMs = sweep.rpoHours * 3_600_000;
  const wanted: SweepDecision[] = [];
  let checked = 0;
  let excluded = 0;
  for (const record of stores.values()) {
    if (record.removedAt !== undefined) continue;
    checked++;
    const service = catalog.services.get(record.identity.serviceId);
    if (
      sweep.excludedServices.has(String(record.identity.serviceId)) ||
      (service && sweep.excludedServices.has(service.name)) ||
      (record.identity.connectionId !== null && sweep.excludedConnections.has(record.identity.connectionId))
    ) {
      excluded++;
      continue;
    }
    const decision = decide(protections.get(record.storeId), now, rpoMs);
    if (decision)
      wanted.push({
        storeId: record.storeId,
        name: record.identity.name,
        endpoint: record.identity.endpoint,
        ...decision,
      });
  }

  const decisions: SweepDecision[] = [];
  for (const decision of wanted.slice(0, sweep.maxChanges)) {
    const observation: BackupObservation = {
      eventId: `coverage-sweep:${sweepId}:${decision.storeId}`,
      source: 'dspm-bridge.coverage-sweep',
      detailType: 'coverage-sweep',
      system: 'coverage-sweep',
      observedAt: new Date(now),
      target: { dataStoreId: decision.storeId },
      protected: decision.to === 'protected',
      reason: decision.reason,
    };
    decisions.push({ ...decision, outcome: await applyBackupObservation(ports, settings, observation) });
  }
  if (wanted.length > sweep.maxChanges) {
    ports.logger.warn('coverage sweep hit its change cap; the rest follow next sweep', {
      changes: sweep.maxChanges,
      deferred: wanted.length - sweep.maxChanges,
    });
  }
  return {
    sweepId,
    storesChecked: checked,
    excluded,
    decisions,
    deferred: Math.max(0, wanted.length - sweep.maxChanges),
  };
}

function decide(
  record: ProtectionRecord | undefined,
  now: number,
  rpoMs: number,
): Pick<SweepDecision, 'to' | 'reason'> | undefined {
  const lastSuccess = record?.lastSuccessAt === undefined ? undefined : Date.parse(record.lastSuccessAt);
  const covered = lastSuccess !== undefined && now - lastSuccess <= rpoMs;
  if (!covered) {
    if (record?.status === 'unprotected') return undefined;
    return { to: 'unprotected', reason: lastSuccess === undefined ? 'NOT_ENROLLED' : 'RPO_BREACH' };
  }
  if (record?.status === 'unprotected' && SWEEP_REASONS.has(record.reason))
    return { to: 'protected', reason: 'BACKUP_SUCCEEDED' };
  return undefined;
}
