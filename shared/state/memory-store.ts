/**
 * A `StateStore` in memory: for tests, benchmarks, and as the working copy of the file store.
 * Same rules as DynamoDB: conditional commits by sequence, versioned protection records, expiring
 * leases and locks. Subclasses persist through two hooks, `beforeAccess` and `afterChange`, and
 * may record who holds a lease (`leaseOwner`) and take over one whose holder is gone (`isHolderGone`).
 */

import type { FindingException } from '../events/contract.ts';
import type {
  AuditEntry,
  AuditedException,
  ExceptionStore,
  Revocation,
} from '../exceptions/exception-store.ts';
import { checkpointMayReplace, type PollCheckpoint } from '../poll/poll-checkpoint.ts';
import type { FingerprintBucket, FingerprintIndexStore } from './fingerprint-index.ts';
import { IdSet } from './id-set.ts';
import type { LeaseOwner } from './lease-owner.ts';
import {
  addException,
  appendEntry,
  audited,
  auditedOne,
  type ExceptionsState,
  markRevoked,
} from './memory-exceptions.ts';
import { type ProtectionRecord, type ResourceKey, resourceKeyOf, type TagRef } from './protection-records.ts';
import type { CommitOutcome, StoreRecord, TenantMeta } from './records.ts';
import type { StateStore } from './state-store.ts';

/** Everything one tenant's state holds. */
export interface TenantState {
  meta?: TenantMeta | undefined;
  lease?: Lease | undefined;
  stores: Map<number, StoreRecord>;
  protections: Map<number, ProtectionRecord>;
  locks: Map<number, Lease>;
  tagRef?: Partial<TagRef> | undefined;
  /** The poll in progress (its seen ids are this store's own copy). */
  checkpoint?: PollCheckpoint | undefined;
  /** The fingerprint index, by bucket (see fingerprint-index.ts); absent in state written before it. */
  fingerprints?: Map<number, FingerprintBucket> | undefined;
  /** People's exceptions and their append-only audit trail (absent until the first one). */
  exceptions?: ExceptionsState | undefined;
}

/** A poll lease or a store lock. */
export interface Lease {
  /** The holder's token (a poll id): only it renews or releases the lease. */
  holder: string;
  expiresAtMs: number;
  /** The process that took it, where the store can tell (the file store). */
  owner?: LeaseOwner | undefined;
}

/** Records per batch of `streamStores`: about one DynamoDB Query page of store items. */
const STREAM_BATCH = 1_000;

/** In-memory state of any number of tenants. */
export class MemoryStateStore implements StateStore, FingerprintIndexStore, ExceptionStore {
  protected readonly tenants = new Map<string, TenantState>();
  #itemsWritten = 0;

  get itemsWritten(): number {
    return this.#itemsWritten;
  }

  /** Called before every operation (the file store reads its file here). */
  protected beforeAccess(): void {}

  /** Called after every operation that changed something (the file store writes here). */
  protected afterChange(): void {}

  /** The process recorded in a new lease; none in memory, where every holder shares one process. */
  protected leaseOwner(): LeaseOwner | undefined {
    return undefined;
  }

  /** True when a lease's holder is known to be gone, so the lease is taken over before it expires. */
  protected isHolderGone(_lease: Lease): boolean {
    return false;
  }

  /** A lease can be taken when nobody holds it, the holder asks again, it expired, or its holder is gone. */
  #canTake(current: Lease | undefined, holder: string, now: Date): boolean {
    return (
      current === undefined ||
      current.holder === holder ||
      current.expiresAtMs <= now.getTime() ||
      this.isHolderGone(current)
    );
  }

  #newLease(holder: string, now: Date, ttlMs: number): Lease {
    const owner = this.leaseOwner();
    return { holder, expiresAtMs: now.getTime() + ttlMs, ...(owner ? { owner } : {}) };
  }

  /** The tenants this state holds anything of (polled, or being polled), in the order first seen. */
  knownTenants(): string[] {
    this.beforeAccess();
    return [...this.tenants]
      .filter(
        ([, state]) => state.meta !== undefined || state.stores.size > 0 || state.checkpoint !== undefined,
      )
      .map(([tenant]) => tenant);
  }

  protected tenantState(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (!state) {
      state = { stores: new Map(), protections: new Map(), locks: new Map() };
      this.tenants.set(tenant, state);
    }
    return state;
  }

  #read<T>(tenant: string, read: (state: TenantState) => T): T {
    this.beforeAccess();
    return read(this.tenantState(tenant));
  }

  #change<T>(tenant: string, change: (state: TenantState) => T, items: (result: T) => number): T {
    this.beforeAccess();
    const result = change(this.tenantState(tenant));
    const written = items(result);
    if (written > 0) {
      this.#itemsWritten += written;
      this.afterChange();
    }
    return result;
  }

  async tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        if (!this.#canTake(state.lease, holder, now)) return false;
        state.lease = this.#newLease(holder, now, ttlMs);
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async renewLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        if (state.lease?.holder !== holder) return false;
        state.lease = this.#newLease(holder, now, ttlMs);
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async releaseLease(tenant: string, holder: string): Promise<void> {
    this.#change(
      tenant,
      (state) => {
        if (state.lease?.holder !== holder) return false;
        state.lease = undefined;
        return true;
      },
      (released) => (released ? 1 : 0),
    );
  }

  #exceptionsOf(state: TenantState): ExceptionsState {
    state.exceptions ??= { exceptions: new Map(), audit: [] };
    return state.exceptions;
  }

  async createException(exception: FindingException, created: AuditEntry): Promise<void> {
    const added = this.#change(
      exception.tenant,
      (state) => addException(this.#exceptionsOf(state), exception, created),
      (ok) => (ok ? 2 : 0),
    );
    if (!added) throw new Error(`an exception ${exception.exceptionId} already exists`);
  }

  async revokeException(
    tenant: string,
    exceptionId: string,
    revocation: Revocation,
    revoked: AuditEntry,
  ): Promise<FindingException | undefined> {
    return this.#change(
      tenant,
      (state) => markRevoked(this.#exceptionsOf(state), exceptionId, revocation, revoked),
      (next) => (next ? 2 : 0),
    );
  }

  async appendAudit(tenant: string, entry: AuditEntry): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => appendEntry(this.#exceptionsOf(state), entry),
      (ok) => (ok ? 1 : 0),
    );
  }

  async listExceptions(tenant: string): Promise<AuditedException[]> {
    return this.#read(tenant, (state) => (state.exceptions ? audited(state.exceptions) : []));
  }

  async getException(tenant: string, exceptionId: string): Promise<AuditedException | undefined> {
    return this.#read(tenant, (state) => {
      const exception = state.exceptions?.exceptions.get(exceptionId);
      return exception && state.exceptions ? auditedOne(state.exceptions, exception) : undefined;
    });
  }

  async loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    return this.#read(tenant, (state) => state.meta);
  }

  async loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    return this.#read(tenant, (state) => new Map(state.stores));
  }

  async loadStoresById(tenant: string, storeIds: readonly number[]): Promise<Map<number, StoreRecord>> {
    return this.#read(tenant, (state) => {
      const found = new Map<number, StoreRecord>();
      for (const storeId of storeIds) {
        const record = state.stores.get(storeId);
        if (record) found.set(storeId, record);
      }
      return found;
    });
  }

  /** Batches of `STREAM_BATCH` records, from a copy taken at the start (like a Query's pages). */
  async *streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]> {
    const records = this.#read(tenant, (state) => [...state.stores.values()]);
    for (let start = 0; start < records.length; start += STREAM_BATCH) {
      yield records.slice(start, start + STREAM_BATCH);
    }
  }

  async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options: { baseline?: boolean } = {},
  ): Promise<CommitOutcome> {
    return this.#change(
      tenant,
      (state) => {
        const stale: number[] = [];
        let committed = 0;
        for (const record of records) {
          const existing = state.stores.get(record.storeId);
          const newer =
            existing !== undefined &&
            (existing.sequence > record.sequence ||
              (existing.sequence === record.sequence && existing.observedAt > record.observedAt));
          if (!options.baseline && newer) {
            stale.push(record.storeId);
            continue;
          }
          state.stores.set(record.storeId, record);
          committed++;
        }
        return { committed, stale };
      },
      (outcome) => outcome.committed,
    );
  }

  async saveMeta(tenant: string, meta: TenantMeta): Promise<void> {
    this.#change(
      tenant,
      (state) => {
        state.meta = meta;
      },
      () => 1,
    );
  }

  async loadCheckpoint(tenant: string): Promise<PollCheckpoint | undefined> {
    return this.#read(tenant, (state) => copyCheckpoint(state.checkpoint));
  }

  async saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        if (!checkpointMayReplace(state.checkpoint, checkpoint)) return false;
        // A copy: the poll goes on adding to its set after the checkpoint was taken.
        state.checkpoint = copyCheckpoint(checkpoint);
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async clearCheckpoint(tenant: string, pollId: string): Promise<void> {
    this.#change(
      tenant,
      (state) => {
        if (state.checkpoint?.pollId !== pollId) return false;
        state.checkpoint = undefined;
        return true;
      },
      (cleared) => (cleared ? 1 : 0),
    );
  }

  async readFingerprintBuckets(
    tenant: string,
    buckets: readonly number[],
  ): Promise<Map<number, FingerprintBucket>> {
    return this.#read(tenant, (state) => {
      const found = new Map<number, FingerprintBucket>();
      for (const bucket of buckets) {
        const stored = state.fingerprints?.get(bucket);
        if (stored) found.set(bucket, { version: stored.version, entries: new Map(stored.entries) });
      }
      return found;
    });
  }

  async writeFingerprintBucket(
    tenant: string,
    bucket: number,
    expectedVersion: number,
    entries: ReadonlyMap<number, string>,
  ): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        state.fingerprints ??= new Map();
        if ((state.fingerprints.get(bucket)?.version ?? 0) !== expectedVersion) return false;
        state.fingerprints.set(bucket, { version: expectedVersion + 1, entries: new Map(entries) });
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async *streamFingerprintBuckets(
    tenant: string,
  ): AsyncIterable<readonly (readonly [number, FingerprintBucket])[]> {
    const buckets = this.#read(tenant, (state) => [
      ...(state.fingerprints ?? new Map<number, FingerprintBucket>()),
    ]);
    for (let start = 0; start < buckets.length; start += STREAM_BATCH)
      yield buckets.slice(start, start + STREAM_BATCH);
  }

  async getProtection(tenant: string, storeId: number): Promise<ProtectionRecord | undefined> {
    return this.#read(tenant, (state) => state.protections.get(storeId));
  }

  async listProtections(tenant: string): Promise<Map<number, ProtectionRecord>> {
    return this.#read(tenant, (state) => new Map(state.protections));
  }

  async putProtection(tenant: string, record: ProtectionRecord): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        const storedVersion = state.protections.get(record.storeId)?.version ?? 0;
        if (storedVersion !== record.version - 1) return false;
        state.protections.set(record.storeId, record);
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async tryLockStore(
    tenant: string,
    storeId: number,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<boolean> {
    return this.#change(
      tenant,
      (state) => {
        if (!this.#canTake(state.locks.get(storeId), holder, now)) return false;
        state.locks.set(storeId, this.#newLease(holder, now, ttlMs));
        return true;
      },
      (ok) => (ok ? 1 : 0),
    );
  }

  async unlockStore(tenant: string, storeId: number, holder: string): Promise<void> {
    this.#change(
      tenant,
      (state) => (state.locks.get(storeId)?.holder === holder ? state.locks.delete(storeId) : false),
      (released) => (released ? 1 : 0),
    );
  }

  async getTagRef(tenant: string): Promise<Partial<TagRef> | undefined> {
    return this.#read(tenant, (state) => state.tagRef);
  }

  async putTagRef(tenant: string, ref: Partial<TagRef>): Promise<void> {
    this.#change(
      tenant,
      (state) => {
        state.tagRef = { ...state.tagRef, ...ref };
      },
      () => 1,
    );
  }

  async findStoreByEndpoint(tenant: string, endpoint: string): Promise<StoreRecord | undefined> {
    return this.#read(tenant, (state) =>
      [...state.stores.values()].find(
        (record) => record.removedAt === undefined && record.identity.endpoint === endpoint,
      ),
    );
  }

  async findStoresByResource(tenant: string, key: ResourceKey): Promise<StoreRecord[]> {
    return this.#read(tenant, (state) =>
      [...state.stores.values()].filter((record) => {
        const own = resourceKeyOf(record);
        return (
          record.removedAt === undefined &&
          own !== undefined &&
          own.accountId === key.accountId &&
          own.region === key.region &&
          own.hostLabel === key.hostLabel.toLowerCase()
        );
      }),
    );
  }
}

function copyCheckpoint(checkpoint: PollCheckpoint | undefined): PollCheckpoint | undefined {
  return checkpoint && { ...checkpoint, seen: IdSet.from(checkpoint.seen) };
}
