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
import type { DspmClient } from '../dspm/client.ts';
import { DspmConflictError } from '../dspm/errors.ts';
import type { Clock } from '../dspm/rate-limiter.ts';
import { ConfigError } from '../errors.ts';
import type { ProtectionStore, TagRef } from '../state/protection-records.ts';

/** The tag and category the bridge creates (defaults from the guide). */
export interface UnprotectedTagSettings {
  readonly tagName: string;
  readonly tagDescription: string;
  readonly tagColor: string;
  readonly categoryName: string;
  readonly categoryDescription: string;
  /** An existing category to create the tag in, instead of creating `categoryName`. */
  readonly categoryId?: number | undefined;
}

/** The guide's names, description and colour. */
export const DEFAULT_UNPROTECTED_TAG = {
  tagName: 'Unprotected',
  tagDescription: 'Data store is not currently-protected within remote system',
  tagColor: '#e3d9ff',
  categoryName: 'Remote System',
  categoryDescription: 'External tags defined in remote system',
} as const satisfies UnprotectedTagSettings;

/** What the lookup needs. */
export interface TagPorts {
  readonly dspm: DspmClient;
  readonly state: ProtectionStore;
  readonly clock: Clock;
  readonly tenant: string;
}

/** How many times to look again for a tag another invocation is creating. */
const CONFLICT_LOOKUPS = 5;

/**
 * The tag's id and category, creating them when they do not exist yet.
 * @throws ConfigError when the category exists but its id cannot be known.
 */
export async function ensureUnprotectedTag(
  ports: TagPorts,
  settings: UnprotectedTagSettings,
): Promise<TagRef> {
  const known = await ports.state.getTagRef(ports.tenant);
  if (known?.tagId !== undefined && known.categoryId !== undefined)
    return { tagId: known.tagId, categoryId: known.categoryId };

  const existing = await ports.dspm.findDataTagByName(settings.tagName);
  if (existing)
    return remember(ports, {
      tagId: existing.id,
      categoryId: existing.category_id ?? known?.categoryId ?? -1,
    });

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

/** The tag if it exists already (state first, then DSPM by name); creates nothing, for dry runs. */
export async function findUnprotectedTag(
  ports: TagPorts,
  settings: UnprotectedTagSettings,
): Promise<TagRef | undefined> {
  const known = await ports.state.getTagRef(ports.tenant);
  if (known?.tagId !== undefined && known.categoryId !== undefined)
    return { tagId: known.tagId, categoryId: known.categoryId };
  const existing = await ports.dspm.findDataTagByName(settings.tagName);
  return existing ? { tagId: existing.id, categoryId: existing.category_id ?? -1 } : undefined;
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
      const tag = await ports.dspm.findDataTagByName(settings.tagName);
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
    const tag = await ports.dspm.findDataTagByName(name);
    if (tag) return { tagId: tag.id, categoryId: tag.category_id ?? -1 };
    await ports.clock.sleep(100 * attempt);
  }
  return undefined;
}

async function remember(ports: TagPorts, ref: TagRef): Promise<TagRef> {
  await ports.state.putTagRef(ports.tenant, ref);
  return ref;
}
