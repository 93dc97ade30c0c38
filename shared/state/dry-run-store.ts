/**
 * The state of a dry run: every read goes to the real store, every write is dropped and reported
 * as having succeeded. A dry run is this choice of port (with a sink that publishes nothing), made
 * where the ports are wired, so the use cases run the same code either way.
 */
import type { PollCheckpoint } from '../poll/poll-checkpoint.ts';
import { type FingerprintBucket, hasFingerprintIndex } from './fingerprint-index.ts';
import { IdSet } from './id-set.ts';
import type { ProtectionRecord, ProtectionStore, ResourceKey, TagRef } from './protection-records.ts';
import type { CommitOutcome, SnapshotStore, StoreRecord, TenantMeta } from './records.ts';
import type { StateStore } from './state-store.ts';

/** Reads through to `real`; writes nothing. */
export class DryRunStateStore implements StateStore {
  readonly #real: SnapshotStore & ProtectionStore;
  /**
   * The dry run's own checkpoints: it neither continues a real poll in progress (it would
   * report that poll's pages as its own) nor leaves one behind for a real run to resume.
   */
  readonly #checkpoints = new Map<string, PollCheckpoint>();

  constructor(real: SnapshotStore & ProtectionStore) {
    this.#real = real;
  }

  // Writes: granted and dropped. A lease or lock nobody holds cannot keep a real run out.
  async tryAcquireLease(): Promise<boolean> {
    return true;
  }
  async renewLease(): Promise<boolean> {
    return true;
  }
  async releaseLease(): Promise<void> {}
  async commitStores(_tenant: string, records: readonly StoreRecord[]): Promise<CommitOutcome> {
    return { committed: records.length, stale: [] };
  }
  async saveMeta(): Promise<void> {}
  async loadCheckpoint(tenant: string): Promise<PollCheckpoint | undefined> {
    const checkpoint = this.#checkpoints.get(tenant);
    return checkpoint && { ...checkpoint, seen: IdSet.from(checkpoint.seen) };
  }
  async saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    this.#checkpoints.set(tenant, { ...checkpoint, seen: IdSet.from(checkpoint.seen) });
    return true;
  }
  async clearCheckpoint(tenant: string): Promise<void> {
    this.#checkpoints.delete(tenant);
  }
  async putProtection(): Promise<boolean> {
    return true;
  }
  async tryLockStore(): Promise<boolean> {
    return true;
  }
  async unlockStore(): Promise<void> {}
  async putTagRef(): Promise<void> {}
  async writeFingerprintBucket(): Promise<boolean> {
    return true;
  }
  get itemsWritten(): number {
    return 0;
  }

  // Reads: the real state.
  loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    return this.#real.loadMeta(tenant);
  }
  loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    return this.#real.loadStores(tenant);
  }
  loadStoresById(tenant: string, storeIds: readonly number[]): Promise<Map<number, StoreRecord>> {
    return this.#real.loadStoresById(tenant, storeIds);
  }
  streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]> {
    return this.#real.streamStores(tenant);
  }
  /** The real index where there is one; without one every store is read in full, as before. */
  async readFingerprintBuckets(
    tenant: string,
    buckets: readonly number[],
  ): Promise<Map<number, FingerprintBucket>> {
    return hasFingerprintIndex(this.#real) ? this.#real.readFingerprintBuckets(tenant, buckets) : new Map();
  }
  async *streamFingerprintBuckets(
    tenant: string,
  ): AsyncIterable<readonly (readonly [number, FingerprintBucket])[]> {
    if (hasFingerprintIndex(this.#real)) yield* this.#real.streamFingerprintBuckets(tenant);
  }

  getProtection(tenant: string, storeId: number): Promise<ProtectionRecord | undefined> {
    return this.#real.getProtection(tenant, storeId);
  }
  listProtections(tenant: string): Promise<Map<number, ProtectionRecord>> {
    return this.#real.listProtections(tenant);
  }
  getTagRef(tenant: string): Promise<Partial<TagRef> | undefined> {
    return this.#real.getTagRef(tenant);
  }
  findStoreByEndpoint(tenant: string, endpoint: string): Promise<StoreRecord | undefined> {
    return this.#real.findStoreByEndpoint(tenant, endpoint);
  }
  findStoresByResource(tenant: string, key: ResourceKey): Promise<StoreRecord[]> {
    return this.#real.findStoresByResource(tenant, key);
  }
}
