/**
 * Stage of applying an observation: the DSPM tag write. Reads the store as DSPM lists it now,
 * adds or removes only the bridge's `Unprotected` tag (a person's tags, and a tag a person put
 * there, stay), and writes the whole list back only when it changed. The write itself goes through
 * the `StoreTagWriter` port (store-tags.ts), so a dry run writes nothing.
 */
import { DspmBadRequestError, DspmNotFoundError } from '../../dspm/errors.ts';
import { eq } from '../../dspm/filter.ts';
import type { ConnectedDataStore } from '../../dspm/schemas.ts';
import type { TagRef } from '../../state/protection-records.ts';
import type { ProtectionPorts, ProtectionSettings, TagAction } from '../apply-protection.ts';
import { liveTagWriter, type StoreTagWriter } from '../store-tags.ts';

/** What became of the store's tag list. */
export interface TagWrite {
  /** The managed tag, as last looked up. */
  readonly tag: TagRef;
  readonly action: TagAction;
  /** The store's tags after the write (or as they are, when nothing was written). */
  readonly nextTags: readonly number[];
}

/** Which event and store a write is for, for the log line of a refused tag id. */
export interface TagWriteContext {
  readonly eventId: string;
  readonly storeId: number;
  /** True when the store must carry the tag no longer. */
  readonly isProtected: boolean;
  /** True while the tag on the store is one the bridge added. */
  readonly addedByBridge: boolean;
}

/** The store as DSPM lists it now, or undefined (logged) when DSPM no longer lists it. */
export async function readListedStore(
  ports: ProtectionPorts,
  storeId: number,
  eventId: string,
): Promise<ConnectedDataStore | undefined> {
  const [store] = await ports.dspm.connectedDataStores({ filter: eq('id', storeId) }).toArray(1);
  if (!store)
    ports.logger.warn('backup event for a store DSPM no longer lists; acknowledged', { eventId, storeId });
  return store;
}

/**
 * Adds or removes the `Unprotected` tag on the store, when it must change.
 * @throws when DSPM refuses the write (other than a stale tag id, which is looked up once more).
 */
export async function writeUnprotectedTag(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  store: ConnectedDataStore,
  context: TagWriteContext,
): Promise<TagWrite> {
  const writer =
    ports.tags ??
    liveTagWriter(
      {
        dspm: ports.dspm,
        state: ports.state,
        clock: ports.clock,
        tenant: ports.tenant,
        catalog: ports.catalog,
      },
      settings.tag,
    );
  const tag = await writer.managedTag();
  const tags = store.data_tags ?? [];
  const plan = planTags(tags, tag.tagId, context);
  if (!plan.write) return { tag, action: plan.action, nextTags: plan.nextTags };
  try {
    await writeStoreTags(writer, store, plan.nextTags);
    return { tag, action: plan.action, nextTags: plan.nextTags };
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
    ports.logger.warn('DSPM refused the Unprotected tag id; looking the tag up again', {
      eventId: context.eventId,
      storeId: context.storeId,
      tagId: tag.tagId,
      reason: (error as Error).message,
    });
    const fresh = await writer.managedTag(true);
    const replanned = planTags(tags, fresh.tagId, context);
    if (replanned.write) await writeStoreTags(writer, store, replanned.nextTags);
    return { tag: fresh, action: replanned.action, nextTags: replanned.nextTags };
  }
}

function writeStoreTags(
  writer: StoreTagWriter,
  store: ConnectedDataStore,
  nextTags: readonly number[],
): Promise<void> {
  return writer.writeTags({
    id: store.id,
    name: store.name,
    endpoint: store.endpoint,
    service_id: store.service_id,
    data_tags: [...nextTags],
  });
}

/** What to do with a store's tag list: add or remove only the bridge's tag, keep a person's. */
function planTags(
  tags: readonly number[],
  tagId: number,
  { isProtected, addedByBridge }: TagWriteContext,
): { action: TagAction; nextTags: readonly number[]; write: boolean } {
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
