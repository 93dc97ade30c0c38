/**
 * Use case: apply one backup observation to DSPM (adapter -> **use case** -> domain).
 *
 * Finds the store, takes its lock (tag writes for one store never interleave), and compares the
 * observation with the store's protection record: a replayed event or one older than the record
 * changes nothing. Otherwise it reads the store's tags, adds or removes only the `Unprotected`
 * tag, writes the whole list back only when it changed, publishes
 * `data-store-protection-changed`, and records the new status last, so a failure anywhere before
 * that replays cleanly.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import { DspmBadRequestError, DspmNotFoundError } from '../dspm/errors.ts';
import { eq } from '../dspm/filter.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { TransientError } from '../errors.ts';
import type { BusEvent, ProtectionChangedDetail } from '../events/contract.ts';
import { DETAIL_TYPES } from '../events/detail-types.ts';
import type { EventSink } from '../events/sink.ts';
import {
  exceptionsInForce,
  findingCoverageOf,
  subjectOfStore,
  tagIdsByName,
} from '../exceptions/coverage.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import { type FindingCoverage, stepCoveredFinding, UNCOVERED } from '../findings/apply-exceptions.ts';
import { buildFindingEvent } from '../findings/build-finding-event.ts';
import type { ConditionSetting } from '../findings/severities.ts';
import type { FindingTransition } from '../findings/transition.ts';
import type { Logger } from '../logger.ts';
import { correlationIdOf } from '../risk/build-events.ts';
import { describeStore, identityOf } from '../risk/catalog.ts';
import type { CatalogCache } from '../risk/catalog-cache.ts';
import {
  type Coverage,
  coverageOf,
  type ProtectionRecord,
  type ProtectionStore,
} from '../state/protection-records.ts';
import { FallbackLookups } from './fallback-lookups.ts';
import type { BackupObservation } from './observation.ts';
import { resolveStore } from './resolve-store.ts';
import { liveTagWriter, type StoreTagWriter } from './store-tags.ts';
import { TAG_TO_BE_CREATED, type UnprotectedTagSettings } from './unprotected-tag.ts';

/** What applying needs. */
export interface ProtectionPorts {
  readonly dspm: DspmClient;
  readonly state: ProtectionStore;
  readonly sink: EventSink;
  readonly catalog: CatalogCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tenant: string;
  /** The tagger's DSPM writes; without it, the live writer (a dry run wires `dryRunTagWriter`). */
  readonly tags?: StoreTagWriter | undefined;
  /** Remembered DSPM lookups for resources the state does not know; without it nothing is remembered. */
  readonly lookups?: FallbackLookups | undefined;
  /**
   * People's exceptions, applied to the `unprotected` finding (read once per observation that may
   * move it, only when the tenant has any); absent, none apply.
   */
  readonly exceptions?: ExceptionStore | undefined;
}

/** How applying behaves. */
export interface ProtectionSettings {
  readonly tag: UnprotectedTagSettings;
  readonly source: string;
  readonly test: boolean;
  /** Explicit ARN or endpoint to store id mappings. */
  readonly mappings: ReadonlyMap<string, number>;
  /** How long a store lock lasts, and how long to wait for one. */
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  /** The `unprotected` finding's severity, or `off` (`FINDING_SEVERITIES`); the default medium when absent. */
  readonly unprotectedFinding?: ConditionSetting | undefined;
}

/** Defaults: locks of 30 s, waited for up to 20 s. */
export const DEFAULT_LOCKING = { lockTtlMs: 30_000, lockWaitMs: 20_000 } as const;

/** The outcome of one observation. */
export type ProtectionOutcome =
  | { readonly status: 'unknown-resource'; readonly eventId: string }
  | { readonly status: 'duplicate' | 'stale'; readonly eventId: string; readonly storeId: number }
  | {
      readonly status: 'applied';
      readonly eventId: string;
      readonly storeId: number;
      readonly protection: ProtectionRecord['status'];
      readonly tagAction: ProtectionChangedDetail['tag']['action'];
      /** The event published (or, in a dry run, that would be). */
      readonly event?: BusEvent<ProtectionChangedDetail> | undefined;
    };

/** Event ids kept per store to recognise replays. */
const RECENT_EVENT_IDS = 20;

/**
 * Applies one observation.
 * @throws when DSPM, the state or the bus fails; the caller retries the whole observation.
 */
export async function applyBackupObservation(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
): Promise<ProtectionOutcome> {
  const { state, tenant, logger } = ports;
  const resolved = await resolveStore(
    {
      state,
      dspm: ports.dspm,
      tenant,
      mappings: settings.mappings,
      lookups: ports.lookups ?? new FallbackLookups(ports.clock, { ttlMs: 0 }),
    },
    observation.target,
  );
  if (!resolved) {
    logger.warn('backup event for a resource DSPM does not know; acknowledged', {
      eventId: observation.eventId,
      target: observation.target,
    });
    return { status: 'unknown-resource', eventId: observation.eventId };
  }
  const { storeId } = resolved;
  const holder = `${observation.eventId}:${Math.random().toString(36).slice(2)}`;
  await lockStore(ports, settings, storeId, holder);
  try {
    return await applyLocked(ports, settings, observation, storeId);
  } finally {
    await state.unlockStore(tenant, storeId, holder);
  }
}

async function applyLocked(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
  storeId: number,
): Promise<ProtectionOutcome> {
  const { state, tenant, dspm, logger } = ports;
  const eventId = observation.eventId;
  const record = await state.getProtection(tenant, storeId);
  if (record?.recentEventIds.includes(eventId)) return { status: 'duplicate', eventId, storeId };
  if (record && observation.observedAt.getTime() < Date.parse(record.observedAt)) {
    logger.info('backup event older than the last one applied; ignored', {
      eventId,
      storeId,
      recordObservedAt: record.observedAt,
    });
    return { status: 'stale', eventId, storeId };
  }

  const [store] = await dspm.connectedDataStores({ filter: eq('id', storeId) }).toArray(1);
  if (!store) {
    logger.warn('backup event for a store DSPM no longer lists; acknowledged', { eventId, storeId });
    return { status: 'unknown-resource', eventId };
  }
  const writer =
    ports.tags ??
    liveTagWriter({ dspm, state, clock: ports.clock, tenant, catalog: ports.catalog }, settings.tag);
  let tag = await writer.managedTag();
  const tags = store.data_tags ?? [];
  const addedByBridge = record?.tagAddedByBridge ?? false;
  let plan = planTags(tags, tag.tagId, observation.protected, addedByBridge);
  if (plan.write) {
    const write = (nextTags: readonly number[]) =>
      writer.writeTags({
        id: store.id,
        name: store.name,
        endpoint: store.endpoint,
        service_id: store.service_id,
        data_tags: [...nextTags],
      });
    try {
      await write(plan.nextTags);
    } catch (error) {
      // A person deleted or renamed the tag since its id was recorded: find or create it again
      // and write once more, rather than sending every event for this tenant to the DLQ.
      if (
        !(
          plan.action === 'added' &&
          (error instanceof DspmBadRequestError || error instanceof DspmNotFoundError)
        )
      )
        throw error;
      logger.warn('DSPM refused the Unprotected tag id; looking the tag up again', {
        eventId,
        storeId,
        tagId: tag.tagId,
        reason: (error as Error).message,
      });
      tag = await writer.managedTag(true);
      plan = planTags(tags, tag.tagId, observation.protected, addedByBridge);
      if (plan.write) await write(plan.nextTags);
    }
  }
  const { action, nextTags } = plan;

  const status: ProtectionRecord['status'] = observation.protected ? 'protected' : 'unprotected';
  const next: ProtectionRecord = {
    storeId,
    status,
    reason: observation.reason,
    observedAt: observation.observedAt.toISOString(),
    system: observation.system,
    lastSuccessAt: latest(record?.lastSuccessAt, observation.successAt),
    tagAddedByBridge: action === 'added' ? true : action === 'removed' ? false : addedByBridge,
    recentEventIds: [...(record?.recentEventIds ?? []), eventId].slice(-RECENT_EVENT_IDS),
    version: (record?.version ?? 0) + 1,
    coverage: coverageFor(observation),
  };

  const coverage = await unprotectedCoverage(ports, store);
  const findings = stepUnprotected(settings, record, observation, coverage);
  const finding = findings.at(-1);
  // The record is built afresh above: carry the finding's state over even when it did not move.
  const findingState = finding?.next ?? record?.unprotectedFinding;
  const committed: ProtectionRecord = findingState ? { ...next, unprotectedFinding: findingState } : next;
  let event: BusEvent<ProtectionChangedDetail> | undefined;
  const changed =
    record?.status !== status ||
    action === 'added' ||
    action === 'removed' ||
    !record ||
    coverageOf(record).state !== coverageOf(next).state;
  if (changed || finding) {
    const known = await ports.catalog.get();
    // A tag created just now (or, in a dry run, still to be created) is not in the cached catalog
    // yet: name it, so the event says what it adds rather than `"name": null`.
    const catalog = known.tags.has(tag.tagId)
      ? known
      : {
          ...known,
          tags: new Map(known.tags).set(tag.tagId, {
            id: tag.tagId,
            name: settings.tag.tagName,
            category_id: tag.tagId === TAG_TO_BE_CREATED.tagId ? null : (tag.categoryId ?? null),
          }),
        };
    const dataStore = describeStore(storeId, identityOf(store), nextTags, catalog);
    const events: BusEvent[] = [];
    if (changed) {
      event = buildProtectionChanged(ports, settings, observation, {
        storeId,
        dataStore,
        previous: record,
        next,
        tagId: tag.tagId,
        action,
      });
      events.push(event);
    }
    for (const step of findings) {
      events.push(
        buildFindingEvent(
          { tenant, source: settings.source, test: settings.test, pollId: null },
          dataStore,
          step,
          {
            protection_status: status,
            protection_reason: observation.reason,
            backup_system: observation.system,
          },
          observation.observedAt,
        ),
      );
    }
    const results = await ports.sink.publish(events);
    // Not recorded yet, so the redelivered event re-applies (a no-op on DSPM) and re-publishes
    // the same transitions with the same eventIds.
    events.forEach((published, index) => {
      const result = results[index];
      if (result?.ok) return;
      throw new TransientError(
        `publishing ${published.detailType} failed: ${result?.errorCode ?? 'NoResult'} ${result?.errorMessage ?? ''}`.trim(),
      );
    });
  }
  if (!(await state.putProtection(tenant, committed))) {
    throw new TransientError(
      `protection record of store ${storeId} changed while it was locked; the event will be retried`,
    );
  }
  return { status: 'applied', eventId, storeId, protection: status, tagAction: action, event };
}

async function lockStore(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  storeId: number,
  holder: string,
): Promise<void> {
  const deadline = ports.clock.now() + settings.lockWaitMs;
  for (let attempt = 1; ; attempt++) {
    if (
      await ports.state.tryLockStore(
        ports.tenant,
        storeId,
        holder,
        new Date(ports.clock.now()),
        settings.lockTtlMs,
      )
    )
      return;
    if (ports.clock.now() >= deadline)
      throw new TransientError(
        `store ${storeId} stayed locked for ${settings.lockWaitMs} ms; the event will be retried`,
      );
    await ports.clock.sleep(Math.min(1_000, 20 * attempt) + Math.floor(Math.random() * 20));
  }
}

function buildProtectionChanged(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
  change: {
    storeId: number;
    dataStore: ProtectionChangedDetail['dataStore'];
    previous: ProtectionRecord | undefined;
    next: ProtectionRecord;
    tagId: number;
    action: ProtectionChangedDetail['tag']['action'];
  },
): BusEvent<ProtectionChangedDetail> {
  const detail: ProtectionChangedDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256')
      .update(`${ports.tenant}\n${change.storeId}\nprotection\n${observation.eventId}`)
      .digest('hex'),
    correlationId: correlationIdOf(ports.tenant, change.storeId),
    tenant: ports.tenant,
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

/**
 * The `unprotected` finding's steps: it holds while the store is marked unprotected, clears when
 * it is protected again, and is suppressed while an exception covers it (expiry and revocation
 * applied on the tagger's next run for the store). Empty when nothing moves, or the condition is off.
 */
function stepUnprotected(
  settings: ProtectionSettings,
  record: ProtectionRecord | undefined,
  observation: BackupObservation,
  coverage: FindingCoverage,
): FindingTransition[] {
  const setting = settings.unprotectedFinding ?? 'medium';
  if (setting === 'off' || setting === 'level') return [];
  return stepCoveredFinding(
    'unprotected',
    record?.unprotectedFinding,
    observation.protected ? null : setting,
    observation.observedAt,
    false,
    coverage,
  );
}

/** The exceptions as the store's `unprotected` finding sees them, matched on the store as DSPM has it now. */
async function unprotectedCoverage(
  ports: ProtectionPorts,
  store: ConnectedDataStore,
): Promise<FindingCoverage> {
  const all = (await ports.exceptions?.listExceptions(ports.tenant)) ?? [];
  if (all.length === 0) return UNCOVERED;
  const catalog = await ports.catalog.get();
  const inForce = exceptionsInForce(
    ports.tenant,
    all.map(({ exception }) => exception),
    new Date(ports.clock.now()),
    tagIdsByName(catalog.tags.values()),
  );
  return findingCoverageOf(inForce, subjectOfStore(store));
}

/** What to do with a store's tag list: add or remove only the bridge's tag, keep a person's. */
function planTags(
  tags: readonly number[],
  tagId: number,
  isProtected: boolean,
  addedByBridge: boolean,
): { action: ProtectionChangedDetail['tag']['action']; nextTags: readonly number[]; write: boolean } {
  const hasTag = tags.includes(tagId);
  if (!isProtected && !hasTag) return { action: 'added', nextTags: [...tags, tagId], write: true };
  if (isProtected && hasTag) {
    // Only the bridge's own tag comes off: one a person put there stays.
    return addedByBridge
      ? { action: 'removed', nextTags: tags.filter((id) => id !== tagId), write: true }
      : { action: 'kept', nextTags: tags, write: false };
  }
  return { action: 'unchanged', nextTags: tags, write: false };
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
