/**
 * Stage of applying an observation: publish what changed, before the record is committed. One
 * `data-store-protection-changed` event when the store's protection, coverage or tag moved, and
 * one finding event per step of its `unprotected` finding. A failed entry throws: the record is
 * not written yet, so the redelivered event re-applies (a no-op on DSPM) and re-publishes the same
 * transitions with the same event ids.
 */
import type { ConnectedDataStore } from '../../dspm/schemas.ts';
import { TransientError } from '../../errors.ts';
import type { BusEvent, ProtectionChangedDetail } from '../../events/contract.ts';
import type { EventSink } from '../../events/sink.ts';
import { buildFindingEvent } from '../../findings/build-finding-event.ts';
import type { FindingTransition } from '../../findings/transition.ts';
import { type Catalog, describeStore, identityOf } from '../../risk/catalog.ts';
import type { ProtectionRecord, TagRef } from '../../state/protection-records.ts';
import type { ProtectionPorts, ProtectionSettings } from '../apply-protection.ts';
import type { BackupObservation } from '../observation.ts';
import { TAG_TO_BE_CREATED } from '../unprotected-tag.ts';
import { buildProtectionChanged } from './protection-changed-event.ts';
import { protectionChanged } from './protection-record.ts';
import type { TagWrite } from './write-unprotected-tag.ts';

/** What applying one observation did, up to the commit. */
export interface AppliedChange {
  readonly storeId: number;
  readonly store: ConnectedDataStore;
  readonly previous: ProtectionRecord | undefined;
  readonly next: ProtectionRecord;
  readonly tagWrite: TagWrite;
  readonly findings: readonly FindingTransition[];
}

/**
 * Publishes the change's events; returns the protection event, if there was one.
 * @throws TransientError when the bus refuses an entry.
 */
export async function publishProtectionChanges(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
  change: AppliedChange,
): Promise<BusEvent<ProtectionChangedDetail> | undefined> {
  const { storeId, previous, next, tagWrite, findings } = change;
  const changed = protectionChanged(previous, next, tagWrite.action);
  if (!changed && findings.length === 0) return undefined;
  const catalog = namingManagedTag(await ports.catalog.get(), tagWrite.tag, settings.tag.tagName);
  const dataStore = describeStore(storeId, identityOf(change.store), tagWrite.nextTags, catalog);
  const event = changed
    ? buildProtectionChanged(ports.tenant, settings, observation, {
        storeId,
        dataStore,
        previous,
        next,
        tagId: tagWrite.tag.tagId,
        action: tagWrite.action,
      })
    : undefined;
  const context = { tenant: ports.tenant, source: settings.source, test: settings.test, pollId: null };
  const evidence = () => ({
    protection_status: next.status,
    protection_reason: observation.reason,
    backup_system: observation.system,
  });
  const events: BusEvent[] = [
    ...(event ? [event] : []),
    ...findings.map((step) =>
      buildFindingEvent(context, dataStore, step, evidence(), observation.observedAt),
    ),
  ];
  await publishEvery(ports.sink, events);
  return event;
}

/**
 * A tag created just now (or, in a dry run, still to be created) is not in the cached catalog
 * yet: name it, so the event says what it adds rather than `"name": null`.
 */
function namingManagedTag(known: Catalog, tag: TagRef, tagName: string): Catalog {
  if (known.tags.has(tag.tagId)) return known;
  return {
    ...known,
    tags: new Map(known.tags).set(tag.tagId, {
      id: tag.tagId,
      name: tagName,
      category_id: tag.tagId === TAG_TO_BE_CREATED.tagId ? null : (tag.categoryId ?? null),
    }),
  };
}

async function publishEvery(sink: EventSink, events: readonly BusEvent[]): Promise<void> {
  const results = await sink.publish(events);
  events.forEach((published, index) => {
    const result = results[index];
    if (result?.ok) return;
    throw new TransientError(
      `publishing ${published.detailType} failed: ${result?.errorCode ?? 'NoResult'} ${result?.errorMessage ?? ''}`.trim(),
    );
  });
}
