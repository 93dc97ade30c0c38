/**
 * Use case: the coverage sweep (adapter -> **use case** -> domain).
 *
 * Backup events are best effort, so their absence is not evidence. For each store the poller has
 * committed that no event shows backed up within the RPO, the sweep asks the backup inventory
 * (AWS Backup's recovery points) and decides:
 * - a usable recovery point within the RPO: **protected** (a tag the sweep put on comes off);
 * - none within the RPO, and the bridge has watched the store for one RPO: **unprotected**,
 *   `RPO_BREACH` when a backup was ever seen, `NOT_ENROLLED` when none ever was;
 * - none yet but watched for less than one RPO, or the inventory cannot be asked, or the store
 *   names no AWS resource: **unknown**, and nothing is tagged;
 * - the service or connection is excluded by configuration: **excluded** (a tag the sweep put on
 *   comes off).
 * A status a backup system's event set (`LAST_JOB_FAILED`, say) is the event path's to change.
 * Each change goes through `applyBackupObservation`, exactly as an event would, and is published as
 * `data-store-protection-changed` with its coverage. Stores without a record that stay unknown are
 * reported, not written: day one writes nothing for them.
 */
import type { Logger } from '../logger.ts';
import type { Catalog } from '../risk/catalog.ts';
import {
  type Coverage,
  type CoverageEvidence,
  type CoverageReason,
  type CoverageState,
  coverageOf,
  type ProtectionReason,
  type ProtectionRecord,
  type ProtectionStore,
} from '../state/protection-records.ts';
import type { SnapshotStore, StoreRecord } from '../state/records.ts';
import {
  applyBackupObservation,
  type ProtectionOutcome,
  type ProtectionPorts,
  type ProtectionSettings,
} from './apply-protection.ts';
import type { BackupInventory, InventoryAnswer } from './inventory.ts';
import { storeResource } from './inventory-arn.ts';
import type { BackupObservation } from './observation.ts';
import type { SweepSettings } from './sweep-settings.ts';

export type { SweepSettings } from './sweep-settings.ts';

/** What one store's sweep decided to change. */
export interface SweepDecision {
  readonly storeId: number;
  readonly name: string;
  readonly endpoint: string;
  /** The coverage the store moves to. */
  readonly to: CoverageState;
  readonly reason: CoverageReason;
  readonly evidence: CoverageEvidence;
  readonly outcome?: ProtectionOutcome | undefined;
}

/** A store whose coverage the sweep could not establish (and so did not tag). */
export interface SweepUnknown {
  readonly storeId: number;
  readonly name: string;
  readonly reason: 'WATCHING' | 'INVENTORY_UNAVAILABLE' | 'NO_RESOURCE_ARN';
  /** Why the inventory could not be asked, or when the watch reaches one RPO. */
  readonly detail: string;
}

/** The sweep's report. */
export interface SweepReport {
  readonly sweepId: string;
  readonly storesChecked: number;
  readonly excluded: number;
  readonly decisions: readonly SweepDecision[];
  /** Decisions left for the next sweep because of `maxChanges`. */
  readonly deferred: number;
  /** The inventory asked (`aws-backup`, or `none`). */
  readonly inventory: string;
  /** Questions asked of the inventory, and how many it could not answer. */
  readonly inventoryLookups: number;
  readonly inventoryUnavailable: number;
  /** Stores per coverage state once the sweep's decisions apply (deferred ones counted as they were). */
  readonly coverage: Readonly<Record<CoverageState, number>>;
  /** Every store left unknown, with why. */
  readonly unknown: readonly SweepUnknown[];
}

/** The reasons the sweep itself sets (and so may lift). */
const SWEEP_REASONS: ReadonlySet<string> = new Set(['RPO_BREACH', 'NOT_ENROLLED']);

interface Wanted {
  readonly decision: Omit<SweepDecision, 'outcome'>;
  readonly protected: boolean;
  readonly reason: ProtectionReason;
  readonly successAt?: Date | undefined;
}

/** What the sweep needs beyond applying: the state, a logger and the backup inventory. */
export type SweepPorts = ProtectionPorts & {
  readonly state: ProtectionStore & SnapshotStore;
  readonly logger: Logger;
  readonly inventory: BackupInventory;
};

/** Runs one sweep over the stores the poller has committed. */
export async function sweepCoverage(
  ports: SweepPorts,
  settings: ProtectionSettings,
  sweep: SweepSettings,
  sweepId: string,
): Promise<SweepReport> {
  const { state, tenant, clock, inventory, logger } = ports;
  const [stores, protections, catalog] = await Promise.all([
    state.loadStores(tenant),
    state.listProtections(tenant),
    ports.catalog.get(),
  ]);
  const now = clock.now();
  const rpoMs = sweep.rpoHours * 3_600_000;
  const tally: Record<CoverageState, number> = { protected: 0, unprotected: 0, unknown: 0, excluded: 0 };
  const verdicts = new Map<number, Wanted>();
  const unknown: SweepUnknown[] = [];
  const candidates: StoreRecord[] = [];
  let checked = 0;
  let excluded = 0;

  // In store id order, as DynamoDB returns them, whatever order a local store committed them in
  // (a store whose findings opened on the baseline commits after the bulk), so the change cap
  // defers the same stores on every backend.
  const inIdOrder = [...stores.values()].sort((a, b) => a.storeId - b.storeId);
  for (const record of inIdOrder) {
    if (record.removedAt !== undefined) continue;
    checked++;
    const protection = protections.get(record.storeId);
    const exclusion = exclusionOf(record, catalog, sweep);
    if (exclusion) {
      excluded++;
      tally.excluded++;
      if (
        protection &&
        coverageOf(protection).state !== 'excluded' &&
        (protection.status === 'protected' || SWEEP_REASONS.has(protection.reason))
      ) {
        verdicts.set(
          record.storeId,
          want(
            record,
            { state: 'excluded', reason: exclusion, evidence: 'configuration' },
            true,
            protection.reason,
          ),
        );
      }
      continue;
    }
    const lastSuccess =
      protection?.lastSuccessAt === undefined ? undefined : Date.parse(protection.lastSuccessAt);
    if (protection && lastSuccess !== undefined && now - lastSuccess <= rpoMs) {
      // An event showed a backup within the RPO: no need to ask the inventory.
      const lift =
        protection.status === 'unprotected'
          ? SWEEP_REASONS.has(protection.reason)
          : coverageOf(protection).state !== 'protected';
      if (lift) {
        verdicts.set(
          record.storeId,
          want(
            record,
            { state: 'protected', reason: 'BACKUP_SUCCEEDED', evidence: 'backup-event' },
            true,
            'BACKUP_SUCCEEDED',
          ),
        );
      }
      tally[lift ? 'protected' : protection.status]++;
      continue;
    }
    if (protection?.status === 'unprotected' && !SWEEP_REASONS.has(protection.reason)) {
      tally.unprotected++;
      continue;
    }
    candidates.push(record);
  }

  // Stores watched for one RPO can be tagged, so they are asked first; the rest wait if need be.
  const watchedFor = (record: StoreRecord) => now - Date.parse(record.firstSeenAt ?? record.observedAt);
  const maxLookups = sweep.maxLookups ?? 5_000;
  const asked = [...candidates]
    .sort((a, b) => Number(watchedFor(b) >= rpoMs) - Number(watchedFor(a) >= rpoMs))
    .slice(0, maxLookups);
  const answers = await askInventory(ports, asked, catalog, settings, new Date(now - rpoMs), sweep);
  if (candidates.length > asked.length) {
    logger.warn('coverage sweep hit its inventory lookup cap; the rest are unknown until the next sweep', {
      lookups: maxLookups,
      notAsked: candidates.length - asked.length,
    });
  }
  let unavailable = 0;
  let refreshed = 0;
  for (const record of candidates) {
    const protection = protections.get(record.storeId);
    const answer: InventoryAnswer = answers.get(record.storeId) ?? { kind: 'unavailable', why: NOT_ASKED };
    if (answer.kind === 'unavailable' && answer.why !== NO_ARN && answer.why !== NOT_ASKED) unavailable++;
    const lastPoint = answer.kind === 'answered' ? answer.lastRecoveryPointAt : undefined;
    if (answer.kind === 'answered' && lastPoint && now - lastPoint.getTime() <= rpoMs) {
      tally.protected++;
      if (
        !protection ||
        protection.status === 'unprotected' ||
        coverageOf(protection).state !== 'protected'
      ) {
        verdicts.set(record.storeId, {
          ...want(
            record,
            { state: 'protected', reason: 'BACKUP_SUCCEEDED', evidence: 'backup-inventory' },
            true,
            'BACKUP_SUCCEEDED',
          ),
          successAt: lastPoint,
        });
      } else {
        // Already protected: remember the recovery point, so the next sweeps need not ask again
        // (a dry run's state drops the write).
        const next: ProtectionRecord = {
          ...protection,
          lastSuccessAt: lastPoint.toISOString(),
          version: protection.version + 1,
        };
        if (await state.putProtection(tenant, next)) refreshed++;
      }
      continue;
    }
    const watchedSince = Date.parse(record.firstSeenAt ?? record.observedAt);
    if (answer.kind === 'answered' && now - watchedSince >= rpoMs) {
      if (protection?.status === 'unprotected') {
        tally.unprotected++;
        continue;
      }
      const everBackedUp = lastPoint !== undefined || protection?.lastSuccessAt !== undefined;
      const reason: ProtectionReason = everBackedUp ? 'RPO_BREACH' : 'NOT_ENROLLED';
      tally.unprotected++;
      verdicts.set(record.storeId, {
        ...want(record, { state: 'unprotected', reason, evidence: 'backup-inventory' }, false, reason),
        successAt: lastPoint,
      });
      continue;
    }
    // No evidence either way: never a tag.
    const why: SweepUnknown =
      answer.kind === 'answered'
        ? {
            storeId: record.storeId,
            name: record.identity.name,
            reason: 'WATCHING',
            detail: `no recovery point yet; watched since ${new Date(watchedSince).toISOString()}, one RPO ends ${new Date(watchedSince + rpoMs).toISOString()}`,
          }
        : {
            storeId: record.storeId,
            name: record.identity.name,
            reason: answer.why === NO_ARN ? 'NO_RESOURCE_ARN' : 'INVENTORY_UNAVAILABLE',
            detail: answer.why,
          };
    if (protection?.status === 'unprotected') {
      // The sweep's earlier evidence stands until there is evidence of protection.
      tally.unprotected++;
      continue;
    }
    tally.unknown++;
    unknown.push(why);
    if (protection && coverageOf(protection).state !== 'unknown') {
      verdicts.set(
        record.storeId,
        want(record, { state: 'unknown', reason: why.reason, evidence: 'none' }, true, protection.reason),
      );
    }
  }

  const wanted = inIdOrder.flatMap((record) => verdicts.get(record.storeId) ?? []);
  const decisions: SweepDecision[] = [];
  for (const item of wanted.slice(0, sweep.maxChanges)) {
    const { decision } = item;
    const observation: BackupObservation = {
      eventId: `coverage-sweep:${sweepId}:${decision.storeId}`,
      source: 'dspm-bridge.coverage-sweep',
      detailType: 'coverage-sweep',
      system: 'coverage-sweep',
      observedAt: new Date(now),
      target: { dataStoreId: decision.storeId },
      protected: item.protected,
      reason: item.reason,
      successAt: item.successAt,
      coverage: { state: decision.to, reason: decision.reason, evidence: decision.evidence },
    };
    decisions.push({ ...decision, outcome: await applyBackupObservation(ports, settings, observation) });
  }
  const deferred = Math.max(0, wanted.length - sweep.maxChanges);
  if (deferred > 0) {
    logger.warn('coverage sweep hit its change cap; the rest follow next sweep', {
      changes: sweep.maxChanges,
      deferred,
    });
  }
  if (unavailable > 0) {
    logger.warn('backup inventory could not be asked about some stores; they are unknown and not tagged', {
      inventory: inventory.name,
      unavailable,
      example: unknown.find((u) => u.reason === 'INVENTORY_UNAVAILABLE')?.detail,
    });
  }
  logger.debug('coverage sweep inventory', { lookups: asked.length, refreshed });
  return {
    sweepId,
    storesChecked: checked,
    excluded,
    decisions,
    deferred,
    inventory: inventory.name,
    inventoryLookups: asked.length,
    inventoryUnavailable: unavailable,
    coverage: tally,
    unknown,
  };
}

const NOT_ASKED = 'not asked this sweep: COVERAGE_MAX_LOOKUPS reached; asked on a later sweep';
const NO_ARN = 'the store names no AWS resource (RDS, Aurora, Redshift, DynamoDB or S3) to ask about';

/** Asks the inventory about each candidate, a few at a time. */
async function askInventory(
  ports: SweepPorts,
  candidates: readonly StoreRecord[],
  catalog: Catalog,
  settings: ProtectionSettings,
  enoughSince: Date,
  sweep: SweepSettings,
): Promise<Map<number, InventoryAnswer>> {
  const answers = new Map<number, InventoryAnswer>();
  const mappedArns = new Map<number, string>();
  for (const [key, storeId] of settings.mappings) if (key.startsWith('arn:')) mappedArns.set(storeId, key);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const record = candidates[next++] as StoreRecord;
      const { identity } = record;
      const resource = storeResource(identity, {
        serviceName: catalog.services.get(identity.serviceId)?.name,
        connectionAccountId:
          identity.connectionId === null
            ? undefined
            : (catalog.connections.get(identity.connectionId)?.account_id ?? undefined),
        mappedArn: mappedArns.get(record.storeId),
      });
      answers.set(
        record.storeId,
        resource
          ? await ports.inventory.lastRecoveryPoint({ ...resource, enoughSince })
          : { kind: 'unavailable', why: NO_ARN },
      );
    }
  };
  const workers = Math.max(1, Math.min(sweep.inventoryConcurrency ?? 8, candidates.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return answers;
}

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

function want(
  record: StoreRecord,
  coverage: Coverage,
  isProtected: boolean,
  reason: ProtectionReason,
): Wanted {
  return {
    decision: {
      storeId: record.storeId,
      name: record.identity.name,
      endpoint: record.identity.endpoint,
      to: coverage.state,
      reason: coverage.reason,
      evidence: coverage.evidence,
    },
    protected: isProtected,
    reason,
  };
}
