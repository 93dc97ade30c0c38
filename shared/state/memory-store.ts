/**
 * A `SnapshotStore` in memory: for tests, benchmarks and as the working copy of the file store.
 * Same rules as DynamoDB: conditional commits by sequence, an expiring lease.
 */
import type { CommitOutcome, SnapshotStore, StoreRecord, TenantMeta } from './records.ts';

/** Everything one tenant's state holds. */
export interface TenantState {
  meta?: TenantMeta | undefined;
  lease?: { holder: string; expiresAtMs: number } | undefined;
  stores: Map<number, StoreRecord>;
}

/** In-memory state of any number of tenants. */
export class MemorySnapshotStore implements SnapshotStore {
  protected readonly tenants = new Map<string, TenantState>();
  #itemsWritten = 0;

  get itemsWritten(): number {
    return this.#itemsWritten;
  }

  protected tenantState(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (!state) {
      state = { stores: new Map() };
      this.tenants.set(tenant, state);
    }
    return state;
  }

  async tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const state = this.tenantState(tenant);
    if (state.lease && state.lease.holder !== holder && state.lease.expiresAtMs > now.getTime()) return false;
    state.lease = { holder, expiresAtMs: now.getTime() + ttlMs };
    this.#itemsWritten++;
    return true;
  }

  async releaseLease(tenant: string, holder: string): Promise<void> {
    const state = this.tenantState(tenant);
    if (state.lease?.holder === holder) {
      state.lease = undefined;
      this.#itemsWritten++;
    }
  }

  async loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    return this.tenantState(tenant).meta;
  }

  async loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    return new Map(this.tenantState(tenant).stores);
  }

  async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options: { baseline?: boolean } = {},
  ): Promise<CommitOutcome> {
    const stores = this.tenantState(tenant).stores;
    const stale: number[] = [];
    let committed = 0;
    for (const record of records) {
      const existing = stores.get(record.storeId);
      const older =
        existing !== undefined &&
        (existing.sequence > record.sequence ||
          (existing.sequence === record.sequence && existing.observedAt > record.observedAt));
      if (!options.baseline && older) {
        stale.push(record.storeId);
        continue;
      }
      stores.set(record.storeId, record);
      committed++;
      this.#itemsWritten++;
    }
    return { committed, stale };
  }

  async saveMeta(tenant: string, meta: TenantMeta): Promise<void> {
    this.tenantState(tenant).meta = meta;
    this.#itemsWritten++;
  }
}
