/**
 * The poll's gate in front of the committed records (use case -> **domain** -> state): a listed
 * store whose digest equals its entry in the fingerprint index is confirmed unchanged without
 * reading its record; only the others are read, assessed and committed. One gate lives for one
 * step of a poll (a chunk or a finish), under that step's lease, and caches the buckets it read.
 *
 * The digest covers everything the unchanged fast path of `assessStore` and `planFindings`
 * compares: the watched fields, the identity, and the settings the poll's findings depend on
 * (finding settings and risk bands, `findingsContextKey`), and the ids of the exceptions that
 * cover the store now (`coveringExceptionIdsOf`: an exception added, expired or revoked, or a tag
 * that brings the store under a rule, moves only the stores it touches). An entry is set only for a live record
 * whose findings are up to date under those settings, so a confirmed store is exactly one the
 * full read would have found unchanged with nothing to commit. Anything that could move a
 * finding without moving the store belongs in the context key: when it moves, every store is
 * read once and the index repaired.
 *
 * Ordering that keeps the index safe across crashes and lease takeovers (see fingerprint-index.ts):
 * an entry is removed before a record that would not match it is committed (`beforeCommit`), and
 * set only after its record is committed (`afterCommit`); every bucket write is conditional on the
 * version read, so a run that lost its lease cannot write over the new holder's entries.
 */
import { createHash } from 'node:crypto';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { TransientError } from '../errors.ts';
import { findingsUpToDate } from '../findings/assess-findings.ts';
import { DEFAULT_FINDING_SETTINGS, type FindingSettings } from '../findings/severities.ts';
import type { Logger } from '../logger.ts';
import type { PollContext } from '../risk/build-events.ts';
import { identityOf } from '../risk/catalog.ts';
import type { RiskBands } from '../risk/levels.ts';
import { type Snapshot, takeSnapshot } from '../risk/snapshot.ts';
import type { WatchedField } from '../risk/watched-fields.ts';
import {
  bucketOf,
  type FingerprintBucket,
  type FingerprintIndexStore,
  UNKNOWN_ENTRY,
} from '../state/fingerprint-index.ts';
import type { ReadonlyIdSet } from '../state/id-set.ts';
import type { StoreIdentity, StoreRecord } from '../state/records.ts';
import { coveringExceptionIdsOf } from './poll-plan.ts';

/** Buckets a step keeps in memory (about 4 MB at 128 stores each): a chunk re-reads none it already has. */
const MAX_CACHED_BUCKETS = 4_096;

/** Tries of a placeholder write before the commit it protects is abandoned (only a lost lease makes them fail). */
const PLACEHOLD_TRIES = 4;

/**
 * How long a full walk of the records vouches for the index: the removal stage walks the index
 * in between, and the records once a day, so an entry lost to anything unforeseen (a rollback to
 * code without the index) delays a removal by a day at most.
 */
export const INDEX_TRUST_MS = 24 * 3600_000;

/** Characters of base64url SHA-256 kept per entry: 66 bits. */
const DIGEST_CHARS = 11;

/** What the gate counted in one step, for the poll's figures and benchmarks. */
export interface GateStats {
  /** Stores confirmed unchanged by their index entry, no record read. */
  confirmed: number;
  bucketReads: number;
  bucketWrites: number;
  /** Bucket writes that lost to another writer (those entries are repaired by a later poll). */
  lostWrites: number;
}

/** The key of the settings a poll's findings depend on: a change of them re-reads every store once. */
export function findingsContextKey(context: Pick<PollContext, 'findings' | 'bands'>): string {
  return JSON.stringify([context.findings ?? DEFAULT_FINDING_SETTINGS, context.bands]);
}

/** Stores of a page split by the index: confirmed unchanged, or to be read and assessed. */
export interface GateSplit {
  readonly confirmed: readonly number[];
  readonly toRead: readonly ConnectedDataStore[];
  /** Each listed store's digest, for `noteUnchanged`. */
  readonly digests: ReadonlyMap<number, string>;
}

/** A poll step's view of the fingerprint index. */
export class FingerprintGate {
  readonly stats: GateStats = { confirmed: 0, bucketReads: 0, bucketWrites: 0, lostWrites: 0 };
  readonly #index: FingerprintIndexStore;
  readonly #tenant: string;
  readonly #logger: Logger;
  readonly #key: string;
  readonly #watched: readonly WatchedField[];
  /** The watched fields in the digest's order (sorted once, not per store). */
  readonly #sorted: readonly WatchedField[];
  readonly #findings: FindingSettings;
  readonly #bands: RiskBands;
  readonly #cache = new Map<number, FingerprintBucket>();
  readonly #vouchedAt: string | undefined;
  /** Entries of stores a full read found unchanged, set with the next commit. */
  readonly #repairs = new Map<number, string>();
  readonly #exceptions: PollContext['exceptions'];
  /**
   * The covering exception ids of each store this step listed, where any: a record's digest is
   * taken with its listed store's coverage. A tenant without exceptions keeps nothing here.
   */
  readonly #coverage = new Map<number, string>();

  constructor(options: {
    index: FingerprintIndexStore;
    tenant: string;
    logger: Logger;
    context: Pick<PollContext, 'findings' | 'bands' | 'exceptions'>;
    watchedFields: readonly WatchedField[];
    /** `TenantMeta.indexVouchedAt` as the step found it. */
    vouchedAt?: string | undefined;
  }) {
    this.#vouchedAt = options.vouchedAt;
    this.#index = options.index;
    this.#tenant = options.tenant;
    this.#logger = options.logger;
    this.#key = findingsContextKey(options.context);
    this.#watched = options.watchedFields;
    this.#sorted = [...options.watchedFields].sort();
    this.#findings = options.context.findings ?? DEFAULT_FINDING_SETTINGS;
    this.#bands = options.context.bands;
    this.#exceptions = options.context.exceptions;
  }

  /** Splits a page into the stores its index entries confirm and the ones to read. */
  async split(stores: readonly ConnectedDataStore[]): Promise<GateSplit> {
    await this.#load(stores.map((store) => bucketOf(store.id)));
    const confirmed: number[] = [];
    const toRead: ConnectedDataStore[] = [];
    const digests = new Map<number, string>();
    for (const store of stores) {
      const coverage = coveringExceptionIdsOf(this.#exceptions, store).join(',');
      if (coverage === '') this.#coverage.delete(store.id);
      else this.#coverage.set(store.id, coverage);
      const digest = this.#digest(takeSnapshot(store, this.#watched), identityOf(store), coverage);
      digests.set(store.id, digest);
      if (this.#entry(store.id) === digest) confirmed.push(store.id);
      else toRead.push(store);
    }
    this.stats.confirmed += confirmed.length;
    return { confirmed, toRead, digests };
  }

  /**
   * A store read in full and found unchanged (nothing to commit): its entry is set with the next
   * commit, to its digest when its record matches what was listed, else to the placeholder when it
   * has none. This is how the first poll after an upgrade builds the index, and how an entry left
   * as the placeholder by a crash gets its digest back.
   */
  noteUnchanged(record: StoreRecord, listedDigest: string | undefined): void {
    const digest = this.#digestOfRecord(record);
    const entry = this.#entry(record.storeId);
    if (digest !== undefined && digest === listedDigest) {
      if (entry !== digest) this.#repairs.set(record.storeId, digest);
    } else if (entry === undefined && record.removedAt === undefined)
      this.#repairs.set(record.storeId, UNKNOWN_ENTRY);
  }

  /**
   * Before `records` are committed: every entry their new record would not match becomes the
   * placeholder, and a store committed for the first time gets one. Throws when it cannot (the
   * commit must then not happen).
   */
  async beforeCommit(records: readonly StoreRecord[]): Promise<void> {
    await this.#load(records.map((record) => bucketOf(record.storeId)));
    const placeholders = new Map<number, number[]>();
    // A store without an entry needs one before its commit only while the removal stage trusts the
    // index; until then its absence confirms nothing, and the next full walk vouches afresh.
    const presenceCounts = this.indexTrusted(new Date());
    for (const record of records) {
      const entry = this.#entry(record.storeId);
      if (entry === undefined && !presenceCounts) continue;
      if (entry === UNKNOWN_ENTRY || (entry !== undefined && entry === this.#digestOfRecord(record)))
        continue;
      const bucket = bucketOf(record.storeId);
      placeholders.set(bucket, [...(placeholders.get(bucket) ?? []), record.storeId]);
    }
    for (const [bucket, ids] of placeholders) await this.#placehold(bucket, ids);
  }

  /**
   * After a commit: the entries of the live records committed (not `stale`) and of the noted
   * repairs get their digest; a committed tombstone's entry goes.
   */
  async afterCommit(records: readonly StoreRecord[], stale: readonly number[] = []): Promise<void> {
    const skip = new Set(stale);
    const sets = new Map<number, string | undefined>(this.#repairs);
    this.#repairs.clear();
    for (const record of records) {
      if (skip.has(record.storeId)) continue;
      if (record.removedAt !== undefined) sets.set(record.storeId, undefined);
      else sets.set(record.storeId, this.#digestOfRecord(record) ?? UNKNOWN_ENTRY);
    }
    if (sets.size === 0) return;
    const byBucket = new Map<number, [number, string | undefined][]>();
    for (const [storeId, digest] of sets) {
      const bucket = bucketOf(storeId);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), [storeId, digest]]);
    }
    await this.#load([...byBucket.keys()]);
    for (const [bucket, entries] of byBucket) {
      const current = this.#cache.get(bucket) as FingerprintBucket;
      if (entries.every(([storeId, digest]) => current.entries.get(storeId) === digest)) continue;
      const next = new Map(current.entries);
      for (const [storeId, digest] of entries) {
        if (digest === undefined) next.delete(storeId);
        else next.set(storeId, digest);
      }
      if (await this.#write(bucket, current.version, next)) continue;
      this.stats.lostWrites++;
      this.#logger.warn(
        'a fingerprint index bucket moved on under this step; its stores are read in full next poll',
        {
          tenant: this.#tenant,
          bucket,
        },
      );
      // What the other writer left stands; only the placeholders every live store needs are
      // written over it (always safe: a placeholder confirms nothing).
      await this.#placehold(
        bucket,
        entries.flatMap(([storeId, digest]) => (digest === undefined ? [] : [storeId])),
        { onlyMissing: true },
      );
    }
  }

  /**
   * The stores the index holds (every live committed one, when `indexTrusted`) that a complete
   * pass did not see: the removal stage's candidates, from a walk of the index, not the records.
   */
  async *unseenByIndex(seen: ReadonlyIdSet): AsyncIterable<readonly number[]> {
    for await (const batch of this.#index.streamFingerprintBuckets(this.#tenant)) {
      const unseen: number[] = [];
      for (const [, bucket] of batch)
        for (const storeId of bucket.entries.keys()) if (!seen.has(storeId)) unseen.push(storeId);
      this.stats.bucketReads += batch.length;
      if (unseen.length > 0) yield unseen;
    }
  }

  /** True when the removal stage may walk the index: a full walk of the records vouched for it lately. */
  indexTrusted(now: Date): boolean {
    const at = this.#vouchedAt;
    return at !== undefined && now.getTime() - Date.parse(at) < INDEX_TRUST_MS;
  }

  /** Writes the placeholder for `storeIds` (only where they have no entry, with `onlyMissing`); retried over another writer's version. */
  async #placehold(bucket: number, storeIds: readonly number[], { onlyMissing = false } = {}): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.#load([bucket]);
      const current = this.#cache.get(bucket) as FingerprintBucket;
      const todo = storeIds.filter((storeId) =>
        onlyMissing ? !current.entries.has(storeId) : current.entries.get(storeId) !== UNKNOWN_ENTRY,
      );
      if (todo.length === 0) return;
      const next = new Map(current.entries);
      for (const storeId of todo) next.set(storeId, UNKNOWN_ENTRY);
      if (await this.#write(bucket, current.version, next)) return;
      if (attempt >= PLACEHOLD_TRIES)
        throw new TransientError(
          `the fingerprint index bucket ${bucket} of ${this.#tenant} kept moving; its stores were not committed`,
        );
    }
  }

  async #write(bucket: number, version: number, entries: Map<number, string>): Promise<boolean> {
    this.stats.bucketWrites++;
    const written = await this.#index.writeFingerprintBucket(this.#tenant, bucket, version, entries);
    if (written) this.#remember(bucket, { version: version + 1, entries });
    else this.#cache.delete(bucket);
    return written;
  }

  /** Reads the buckets not cached yet, in one call. */
  async #load(buckets: readonly number[]): Promise<void> {
    const missing = [...new Set(buckets)].filter((bucket) => !this.#cache.has(bucket));
    if (missing.length === 0) return;
    this.stats.bucketReads += missing.length;
    const read = await this.#index.readFingerprintBuckets(this.#tenant, missing);
    for (const bucket of missing)
      this.#remember(bucket, read.get(bucket) ?? { version: 0, entries: new Map<number, string>() });
  }

  #remember(bucket: number, value: FingerprintBucket): void {
    this.#cache.delete(bucket);
    this.#cache.set(bucket, value);
    // The oldest bucket goes first: a poll lists in id order, so it is not needed again this step.
    if (this.#cache.size > MAX_CACHED_BUCKETS) this.#cache.delete(this.#cache.keys().next().value as number);
  }

  #entry(storeId: number): string | undefined {
    return this.#cache.get(bucketOf(storeId))?.entries.get(storeId);
  }

  /** The digest a record may be indexed under, or undefined when it may not be (a tombstone, findings behind, a field not yet watched). */
  #digestOfRecord(record: StoreRecord): string | undefined {
    if (record.removedAt !== undefined) return undefined;
    // Without the coverage argument a record with a suppressed finding is never indexed: such a
    // store is always read in full, where its coverage is checked (a few stores; safe over cheap).
    if (!findingsUpToDate(record.findings, record.snapshot, this.#findings, this.#bands)) return undefined;
    for (const field of this.#watched) if (!Object.hasOwn(record.snapshot, field)) return undefined;
    return this.#digest(record.snapshot, record.identity, this.#coverage.get(record.storeId) ?? '');
  }

  /**
   * SHA-256 of the watched fields (DSPM names, sorted), the identity, the findings context and the
   * covering exceptions' ids.
   */
  #digest(snapshot: Snapshot, identity: StoreIdentity, coverage: string): string {
    const fields = this.#sorted.map((field) => [field, snapshot[field] ?? null]);
    const who = [
      identity.name,
      identity.endpoint,
      identity.serviceId,
      identity.connectionId,
      identity.region,
      identity.accountId,
    ];
    return createHash('sha256')
      .update(JSON.stringify([this.#key, fields, who, coverage]))
      .digest('base64url')
      .slice(0, DIGEST_CHARS);
  }
}
