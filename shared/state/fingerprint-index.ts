/**
 * The fingerprint index: a compact digest of every live store's committed record, packed many
 * stores to an item by id range, so a poll confirms an unchanged store without reading its
 * record. A state backend that keeps one implements `FingerprintIndexStore`; the poll's
 * `FingerprintGate` decides what goes in it and when.
 *
 * Invariants every writer keeps:
 * - An entry that is a digest is the digest of the store's committed record (a live one whose
 *   findings are up to date). It is only ever set after its record is committed, and replaced by
 *   the placeholder `UNKNOWN_ENTRY` before a record that would not match it is written. The
 *   placeholder never confirms anything (the poll reads the record), so writing it is always safe.
 * - Every live committed store has an entry (a digest or the placeholder): the placeholder is
 *   written before a store's first commit, and an entry is deleted only after its store's
 *   tombstone is committed. That is what lets the removal stage walk the index instead of every
 *   record, once a full walk of the records has vouched for it (`TenantMeta.indexVouchedAt`).
 */

/** Store ids per bucket: 128 entries of at most 12-digit ids and 11-character digests stay under 4 KB, one strongly consistent read unit. */
export const FINGERPRINT_BUCKET_WIDTH = 128;

/** The bucket that holds store `storeId`'s entry. */
export const bucketOf = (storeId: number): number => Math.floor(storeId / FINGERPRINT_BUCKET_WIDTH);

/** One bucket as stored: its entries by store id, and the version its next write must expect. */
export interface FingerprintBucket {
  /** 0 for a bucket never written; one more per write. */
  readonly version: number;
  readonly entries: ReadonlyMap<number, string>;
}

/** The entry of a live store whose digest is not known: never matches, so the record is read. */
export const UNKNOWN_ENTRY = '';

/** A bucket nobody has written yet. */
export const EMPTY_BUCKET: FingerprintBucket = { version: 0, entries: new Map() };

/** A state backend that keeps a fingerprint index. */
export interface FingerprintIndexStore {
  /** The buckets asked for, read strongly consistent; a bucket never written comes back as `EMPTY_BUCKET`. */
  readFingerprintBuckets(tenant: string, buckets: readonly number[]): Promise<Map<number, FingerprintBucket>>;
  /**
   * Replaces bucket `bucket`'s entries if its stored version is still `expectedVersion` (the
   * writer's optimistic lock: a poll whose lease was taken over cannot undo the new holder's work).
   * @returns false when another writer moved the bucket on (nothing written).
   */
  writeFingerprintBucket(
    tenant: string,
    bucket: number,
    expectedVersion: number,
    entries: ReadonlyMap<number, string>,
  ): Promise<boolean>;
  /** Every bucket of the tenant, a batch at a time (the removal stage's walk). */
  streamFingerprintBuckets(tenant: string): AsyncIterable<readonly (readonly [number, FingerprintBucket])[]>;
}

/** True when `state` keeps a fingerprint index (a store without one is read in full every poll). */
export function hasFingerprintIndex(state: object): state is FingerprintIndexStore {
  const candidate = state as Partial<FingerprintIndexStore>;
  return (
    typeof candidate.readFingerprintBuckets === 'function' &&
    typeof candidate.writeFingerprintBucket === 'function' &&
    typeof candidate.streamFingerprintBuckets === 'function'
  );
}
