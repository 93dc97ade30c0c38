/**
 * What the tagger remembers per store: its protection status and why, the last successful backup
 * seen, whether the bridge itself put the `Unprotected` tag on, and the recent event ids (so a
 * replayed event is a no-op). Plus the port the tagger and the coverage sweep use.
 */
import type { FindingState } from '../findings/finding-state.ts';
import type { StoreRecord } from './records.ts';

/** Why a store is, or is not, protected (the generic backup contract's reasons). */
export type ProtectionReason =
  | 'NOT_ENROLLED'
  | 'LAST_JOB_FAILED'
  | 'RPO_BREACH'
  | 'BACKUP_SUCCEEDED'
  | 'ENROLLED';

/**
 * What the bridge knows about a store's backups, beyond the tag's two values: `unknown` until there
 * is evidence either way, `excluded` when configuration takes the store out of the sweep.
 */
export type CoverageState = 'protected' | 'unprotected' | 'unknown' | 'excluded';

/** Why a store's coverage is what it is: a protection reason, or why it is unknown or excluded. */
export type CoverageReason =
  | ProtectionReason
  /** No evidence yet: the bridge has watched the store for less than one RPO. */
  | 'WATCHING'
  /** The inventory could not be asked (not configured, access denied, throttled, down). */
  | 'INVENTORY_UNAVAILABLE'
  /** The store names no AWS resource the inventory can be asked about. */
  | 'NO_RESOURCE_ARN'
  | 'EXCLUDED_SERVICE'
  | 'EXCLUDED_CONNECTION';

/** Where the evidence came from. */
export type CoverageEvidence = 'backup-event' | 'backup-inventory' | 'configuration' | 'none';

/** A store's coverage. */
export interface Coverage {
  readonly state: CoverageState;
  readonly reason: CoverageReason;
  readonly evidence: CoverageEvidence;
}

/** The protection state of one store. */
export interface ProtectionRecord {
  readonly storeId: number;
  readonly status: 'protected' | 'unprotected';
  readonly reason: ProtectionReason;
  /** When the event that set this status was observed by the backup system (ISO). */
  readonly observedAt: string;
  /** The backup system that said so (`aws-backup`, `veeam`, `coverage-sweep`, ...). */
  readonly system: string;
  /** The newest successful backup seen (ISO), if any. */
  readonly lastSuccessAt?: string | undefined;
  /** True while the `Unprotected` tag on the store is one the bridge added. */
  readonly tagAddedByBridge: boolean;
  /** Ids of the latest events applied, newest last (a replay is recognised by these). */
  readonly recentEventIds: readonly string[];
  /** Optimistic-concurrency version: each write expects the one it read. */
  readonly version: number;
  /** The fuller picture; absent on records written before it existed (then it follows `status`). */
  readonly coverage?: Coverage | undefined;
  /**
   * The `unprotected` finding, raised and resolved by the tagger, committed with the record once
   * its event was accepted. Absent until the tagger first marks the store unprotected.
   */
  readonly unprotectedFinding?: FindingState | undefined;
}

/** A record's coverage: the recorded one, or the one its status and reason imply. */
export function coverageOf(record: ProtectionRecord): Coverage {
  return (
    record.coverage ?? {
      state: record.status,
      reason: record.reason,
      evidence: record.system === 'coverage-sweep' ? 'none' : 'backup-event',
    }
  );
}

/** The catalog tag the bridge manages, once known. */
export interface TagRef {
  readonly tagId: number;
  /** Unknown when DSPM does not say which category the tag is in; never a sentinel. */
  readonly categoryId?: number | undefined;
}

/** State the tagger needs, beside the poller's snapshots. */
export interface ProtectionStore {
  getProtection(tenant: string, storeId: number): Promise<ProtectionRecord | undefined>;
  /** Every protection record of the tenant (the coverage sweep). */
  listProtections(tenant: string): Promise<Map<number, ProtectionRecord>>;
  /**
   * Writes `record` if the stored version is `record.version - 1` (or absent for version 1).
   * @returns false when someone else wrote in between.
   */
  putProtection(tenant: string, record: ProtectionRecord): Promise<boolean>;
  /** A per-store lock: tag writes for one store never interleave. */
  tryLockStore(tenant: string, storeId: number, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  unlockStore(tenant: string, storeId: number, holder: string): Promise<void>;
  /** The category and tag ids recorded so far (the category may be known before the tag exists). */
  getTagRef(tenant: string): Promise<Partial<TagRef> | undefined>;
  /** Records the category (and, once created, the tag) the bridge uses. */
  putTagRef(tenant: string, ref: Partial<TagRef>): Promise<void>;
  /** The committed store with this endpoint, if the poller has seen it. */
  findStoreByEndpoint(tenant: string, endpoint: string): Promise<StoreRecord | undefined>;
  /** Committed stores in this account and region whose endpoint's host starts with `hostLabel.`. */
  findStoresByResource(tenant: string, key: ResourceKey): Promise<StoreRecord[]>;
}

/** How an AWS resource is found among the stores: account, region and the first label of the endpoint's host. */
export interface ResourceKey {
  readonly accountId: string;
  readonly region: string;
  readonly hostLabel: string;
}

/** The resource key of a committed store, from its identity (undefined when the endpoint has no host). */
export function resourceKeyOf(record: Pick<StoreRecord, 'identity'>): ResourceKey | undefined {
  const { accountId, region, endpoint } = record.identity;
  const hostLabel = firstHostLabel(endpoint);
  if (!accountId || !region || !hostLabel) return undefined;
  return { accountId, region, hostLabel };
}

/** `postgres-engineering` from `postgres-engineering.abc.us-west-2.rds.amazonaws.com:5432/dev`. */
export function firstHostLabel(endpoint: string): string | undefined {
  const withoutScheme = endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = withoutScheme.split(/[/:]/, 1)[0] ?? '';
  const label = host.split('.', 1)[0]?.toLowerCase();
  return label ? label : undefined;
}
