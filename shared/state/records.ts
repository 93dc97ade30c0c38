/**
 * What the bridge remembers about each store between polls, and the port every state backend
 * (DynamoDB, a local file, memory) implements for it. A leaf of the state's ports: the poll's
 * checkpoints and the tagger's protection records are ports of their own, joined in
 * state-store.ts.
 */
import type { FindingStates } from '../findings/finding-state.ts';
import type { Snapshot } from '../risk/snapshot.ts';

/** A store's identity as last committed: enough to describe it in a `data-store-removed` event. */
export interface StoreIdentity {
  readonly name: string;
  readonly endpoint: string;
  readonly serviceId: number;
  readonly connectionId: number | null;
  readonly region: string | null;
  readonly accountId: string | null;
}

/** The committed state of one store. */
export interface StoreRecord {
  readonly storeId: number;
  readonly identity: StoreIdentity;
  /** The committed watched fields (what the next diff compares against). */
  readonly snapshot: Snapshot;
  /** Fingerprint of `snapshot`. */
  readonly fingerprint: string;
  /** 0 for a baseline record, then one more per committed change. */
  readonly sequence: number;
  /** When the committed snapshot was observed (ISO). */
  readonly observedAt: string;
  /**
   * When the bridge first saw the store (ISO): the start of its watch, which the coverage sweep
   * needs before absence of backups can count. Absent on records written before it existed; the
   * sweep then counts from `observedAt`, which is never earlier than the true first sighting.
   */
  readonly firstSeenAt?: string | undefined;
  /**
   * The poll conditions' findings, committed with the snapshot once their events were accepted.
   * Absent on records written before findings existed: their first assessment opens what holds
   * as baseline.
   */
  readonly findings?: FindingStates | undefined;
  /** Set when the store was reported removed; the record stays as a tombstone so sequences keep growing. */
  readonly removedAt?: string | undefined;
}

/** Facts about a tenant's state as a whole. */
export interface TenantMeta {
  /** When the baseline was recorded (ISO). */
  readonly baselineAt: string;
  readonly lastPollId: string;
  /** When the last finished poll began (ISO). */
  readonly lastPollAt: string;
  /**
   * When a full walk of the records last vouched that every live store has a fingerprint index
   * entry (ISO): the removal stage may walk the index for a day after. Written with the facts, so
   * a version of the bridge without the index, which writes them without it, withdraws it.
   */
  readonly indexVouchedAt?: string | undefined;
  /** How the last finished poll ended; absent in state written before it was recorded. */
  readonly lastPoll?: LastPollOutcome | undefined;
}

/** How a finished poll ended (what `dspm-bridge status` shows). */
export interface LastPollOutcome {
  /** When its finish step ran (ISO). */
  readonly finishedAt: string;
  /** Whether it listed every store. */
  readonly complete: boolean;
  /** Why it did not, when it did not. */
  readonly incompleteReason?: string | undefined;
  readonly chunks: number;
  readonly stores: {
    readonly seen: number;
    readonly changed: number;
    readonly discovered: number;
    readonly removed: number;
  };
  readonly events: { readonly published: number; readonly failed: number };
}

/** How a commit went, per store. */
export interface CommitOutcome {
  readonly committed: number;
  /** Stores whose stored record was already newer: state never moves backwards. */
  readonly stale: readonly number[];
}

/** Where snapshots, the poll lease and tenant facts are kept. */
export interface SnapshotStore {
  /**
   * Takes the poll lease for `tenant` unless another holder has an unexpired one.
   * @returns false when the lease is held by someone else.
   */
  tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /**
   * Extends `holder`'s lease to `now + ttlMs` (the heartbeat of a running poll).
   * @returns false when `holder` no longer has it (another poll took it over, or it was released).
   */
  renewLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives the lease back (only if `holder` still has it). */
  releaseLease(tenant: string, holder: string): Promise<void>;
  /** The tenant's facts, or undefined before its first (baseline) poll. */
  loadMeta(tenant: string): Promise<TenantMeta | undefined>;
  /** Every committed store record of the tenant, tombstones included. */
  loadStores(tenant: string): Promise<Map<number, StoreRecord>>;
  /**
   * The committed records of just these stores (tombstones included; ids never committed are
   * absent): what one page of a streaming poll diffs against, so memory holds a page, not a tenant.
   */
  loadStoresById(tenant: string, storeIds: readonly number[]): Promise<Map<number, StoreRecord>>;
  /**
   * Every committed store record of the tenant, tombstones included, a batch at a time (a
   * DynamoDB Query page): the removal stage walks it against the ids a complete pass saw.
   */
  streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]>;
  /**
   * Writes records, each only if its sequence is higher than the stored one, or equal and not
   * older (a quiet update); `baseline` writes the first poll's records in bulk.
   */
  commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options?: { baseline?: boolean },
  ): Promise<CommitOutcome>;
  /** Records the tenant's facts. */
  saveMeta(tenant: string, meta: TenantMeta): Promise<void>;
  /** Items written so far (leases and meta included), for the poll summary and benchmarks. */
  readonly itemsWritten: number;
}
