/**
 * The tagger's writes to DSPM, as a port: the managed `Unprotected` tag (found, or created) and a
 * store's tag list. A dry run is the other implementation, which looks the tag up and writes
 * nothing, chosen where the ports are wired (shared/roots/), not branched on in the use case.
 */
import type { ConnectedDataStoreTagsUpdate } from '../dspm/schemas.ts';
import type { TagRef } from '../state/protection-records.ts';
import {
  ensureUnprotectedTag,
  findUnprotectedTag,
  TAG_TO_BE_CREATED,
  type TagPorts,
  type UnprotectedTagSettings,
} from './unprotected-tag.ts';

/** How the tagger changes DSPM. */
export interface StoreTagWriter {
  /**
   * The managed tag; `fresh` reads the catalog again first (DSPM refused the recorded id). A dry
   * run reports `TAG_TO_BE_CREATED` for a tag that does not exist yet.
   */
  managedTag(fresh?: boolean): Promise<TagRef>;
  /** Replaces a store's whole tag list (the API's read, merge, write). */
  writeTags(update: ConnectedDataStoreTagsUpdate): Promise<void>;
}

/** Writes to DSPM, creating the tag (and its category) the first time. */
export function liveTagWriter(ports: TagPorts, settings: UnprotectedTagSettings): StoreTagWriter {
  return {
    managedTag: (fresh = false) => ensureUnprotectedTag(ports, settings, fresh),
    writeTags: async (update) => {
      await ports.dspm.updateConnectedDataStoreTags(update);
    },
  };
}

/** Creates nothing and writes nothing: the tag is only looked up. */
export function dryRunTagWriter(ports: TagPorts, settings: UnprotectedTagSettings): StoreTagWriter {
  return {
    managedTag: async (fresh = false) =>
      (await findUnprotectedTag(ports, settings, fresh)) ?? TAG_TO_BE_CREATED,
    writeTags: async () => {},
  };
}
