/**
 * The catalog tag the tagger manages (`Unprotected` in category `Remote System`, the guide's own
 * example), found or created once, safely when many invocations start at the same moment:
 * look up by name, create once, and on a conflict look up again.
 *
 * The guide has no route to look a category up by name, so the id of the category the bridge
 * creates is recorded in state the moment it exists; an operator can also name one
 * (`UNPROTECTED_TAG_CATEGORY_ID`). Catalog tags are never deleted: that would strip them from
 * every store.
 */

import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import { DspmConflictError } from '../dspm/errors.ts';
import type { DataTag } from '../dspm/schemas.ts';
import { ConfigError } from '../errors.ts';
import type { CatalogCache } from '../risk/catalog-cache.ts';
import type { ProtectionStore, TagRef } from '../state/protection-records.ts';
import type { UnprotectedTagSettings } from './unprotected-tag-settings.ts';

export { DEFAULT_UNPROTECTED_TAG, type UnprotectedTagSettings } from './unprotected-tag-settings.ts';

/** What the lookup needs. */
export interface TagPorts {
  readonly dspm: DspmClient;
  readonly state: ProtectionStore;
  readonly clock: Clock;
  readonly tenant: string;
  /** The catalog the events are described with; the tag is looked up there first, for free. */
  readonly catalog: CatalogCache;
}

/** How many times to look again for a tag another invocation is creating. */
const CONFLICT_LOOKUPS = 5;

/** Tag names compare as DSPM keeps them unique: ignoring case and surrounding blanks. */
function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The tag's id (and category, when known), creating them when they do not exist yet. The id in
 * state is trusted only while the catalog still lists it under the managed name: a person may
 * have deleted or renamed the tag, and writing a stale id would fail every tag write.
 * @param fresh read the catalog again first (after DSPM refused a write with the cached id).
 * @throws ConfigError when the category exists but its id cannot be known.
 */
export async function ensureUnprotectedTag(
  ports: TagPorts,
  settings: UnprotectedTagSettings,
  fresh = false,
): Promise<TagRef> {
  const known = await ports.state.getTagRef(ports.tenant);
  const found = (await lookUp(ports, settings, fresh, known)) ?? (await fromDspm(ports, settings.tagName));
  if (found) {
    // Written only when it differs: every tag write must not cost a state write too.
    if (found.tagId !== known?.tagId || (found.categoryId ?? known?.categoryId) !== known?.categoryId)
      await remember(ports, found);
    return found;
  }

  const categoryId = settings.categoryId ?? known?.categoryId ?? (await createCategory(ports, settings));
  try {
    const tag = await ports.dspm.createDataTag({
      name: settings.tagName,
      description: settings.tagDescription,
      category_id: categoryId,
      color: settings.tagColor,
      is_enabled: true,
    });
    return remember(ports, { tagId: tag.id, categoryId });
  } catch (error) {
    if (!(error instanceof DspmConflictError)) throw error;
    const raced = await lookAgain(ports, settings.tagName);
    if (raced) return remember(ports, raced);
    throw error;
  }
}

/**
 * The tag if the catalog holds it (the id in state first, then the name, ignoring case); asks
 * nothing of DSPM unless the catalog cache is due, and creates nothing (dry runs use it as is).
 */
export async function findUnprotectedTag(
  ports: TagPorts,
  settings: UnprotectedTagSettings,
  fresh = false,
): Promise<TagRef | undefined> {
  return lookUp(ports, settings, fresh, await ports.state.getTagRef(ports.tenant));
}

async function lookUp(
  ports: TagPorts,
  settings: UnprotectedTagSettings,
  fresh: boolean,
  known: Partial<TagRef> | undefined,
): Promise<TagRef | undefined> {
  const catalog = await ports.catalog.get(fresh);
  if (known?.tagId !== undefined) {
    const recorded = catalog.tags.get(known.tagId);
    if (recorded && sameName(recorded.name, settings.tagName)) return refOf(recorded, known.categoryId);
    // Not listed: a cached catalog may predate the tag, so the recorded id stands until DSPM
    // refuses it (the caller then asks again with `fresh`). Listed under another name: renamed,
    // and no longer the bridge's.
    if (!recorded && !fresh) return { tagId: known.tagId, categoryId: known.categoryId };
  }
  for (const tag of catalog.tags.values()) if (sameName(tag.name, settings.tagName)) return refOf(tag);
  return undefined;
}

/** By name in DSPM itself: the server's filter first, then the whole catalog, ignoring case. */
async function findTagByName(dspm: DspmClient, name: string): Promise<DataTag | undefined> {
  const exact = await dspm.findDataTagByName(name);
  if (exact) return exact;
  for await (const tag of dspm.dataTags()) if (sameName(tag.name, name)) return tag;
  return undefined;
}

async function fromDspm(ports: TagPorts, name: string): Promise<TagRef | undefined> {
  const tag = await findTagByName(ports.dspm, name);
  return tag ? refOf(tag) : undefined;
}

function refOf(tag: DataTag, knownCategoryId?: number): TagRef {
  return { tagId: tag.id, categoryId: tag.category_id ?? knownCategoryId ?? undefined };
}

/** The id a dry run reports for a tag that does not exist yet and would be created. */
export const TAG_TO_BE_CREATED: TagRef = { tagId: -1, categoryId: -1 };

async function createCategory(ports: TagPorts, settings: UnprotectedTagSettings): Promise<number> {
  try {
    const category = await ports.dspm.createDataTagCategory({
      name: settings.categoryName,
      description: settings.categoryDescription,
      is_system_created: false,
      is_enabled: true,
    });
    await ports.state.putTagRef(ports.tenant, { categoryId: category.id });
    return category.id;
  } catch (error) {
    if (!(error instanceof DspmConflictError)) throw error;
    // Another invocation created it a moment ago: it records the id, or creates the tag, soon.
    for (let attempt = 1; attempt <= CONFLICT_LOOKUPS; attempt++) {
      await ports.clock.sleep(100 * attempt);
      const ref = await ports.state.getTagRef(ports.tenant);
      if (ref?.categoryId !== undefined) return ref.categoryId;
      const tag = await findTagByName(ports.dspm, settings.tagName);
      if (tag?.category_id !== undefined && tag.category_id !== null) return tag.category_id;
    }
    throw new ConfigError(
      `the data tag category "${settings.categoryName}" already exists in DSPM but its id is not known to the bridge; ` +
        'set UNPROTECTED_TAG_CATEGORY_ID to its id',
    );
  }
}

async function lookAgain(ports: TagPorts, name: string): Promise<TagRef | undefined> {
  for (let attempt = 1; attempt <= CONFLICT_LOOKUPS; attempt++) {
    const tag = await findTagByName(ports.dspm, name);
    if (tag) return refOf(tag);
    await ports.clock.sleep(100 * attempt);
  }
  return undefined;
}

async function remember(ports: TagPorts, ref: TagRef): Promise<TagRef> {
  // No sentinel for an unknown category: it is simply not recorded.
  await ports.state.putTagRef(
    ports.tenant,
    ref.categoryId === undefined ? { tagId: ref.tagId } : { tagId: ref.tagId, categoryId: ref.categoryId },
  );
  return ref;
}
