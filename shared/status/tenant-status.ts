/**
 * Use case: where one tenant stands, read from the state alone (adapter -> **use case** ->
 * domain): its last finished poll and how it ended, a poll in progress and how far it is, its
 * stores, open findings by condition and severity (and how many exceptions suppress), backup
 * coverage with the unprotected stores named, and the exceptions that end within 7 days. `dspm-bridge status` prints it; nothing here calls DSPM or writes anything.
 */
import type { FindingException } from '../events/contract.ts';
import type { FindingCondition } from '../events/detail-types.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import { expiringWithin } from '../exceptions/expiring-soon.ts';
import { coverageOf, type ProtectionReason } from '../state/protection-records.ts';
import type { LastPollOutcome } from '../state/records.ts';
import {
  type CoverageCounts,
  countStores,
  countUnprotectedFindings,
  coverageCounts,
  newCensus,
  openByCondition,
  openBySeverity,
  type SeverityCounts,
} from '../state/state-census.ts';
import type { StateStore } from '../state/state-store.ts';

/** Unprotected stores listed by name at most; the count covers the rest. */
export const UNPROTECTED_LISTED = 20;

/** One tenant's status. */
export interface TenantStatus {
  readonly tenant: string;
  /** When the first (baseline) poll was recorded; null before any poll finished. */
  readonly baselineAt: string | null;
  /** The last finished poll, or null. `outcome` is absent for state written before it was kept. */
  readonly lastPoll: {
    readonly pollId: string;
    readonly startedAt: string;
    readonly outcome?: LastPollOutcome | undefined;
  } | null;
  /** A poll that began and has not finished (running, or left by a run that died), or null. */
  readonly pollInProgress: {
    readonly pollId: string;
    readonly startedAt: string;
    readonly chunks: number;
    /** `listing` (pages remain), `listed` or `ended` (waiting for its finish step). */
    readonly listing: string;
    /** Stores the pass has seen so far, and the total DSPM gave on its first page. */
    readonly seen: number;
    readonly total: number | null;
  } | null;
  readonly stores: { readonly inState: number; readonly removed: number };
  readonly openFindings: {
    readonly total: number;
    readonly byCondition: Partial<Record<FindingCondition, number>>;
    readonly bySeverity: SeverityCounts;
    /** Condition by severity. */
    readonly matrix: Partial<Record<FindingCondition, SeverityCounts>>;
    /** Of `total`, the findings an exception suppresses (still open: the condition is there). */
    readonly suppressed: number;
  };
  /** Exceptions in force that end within 7 days (the `expiring` notice), soonest first. */
  readonly expiringSoon: readonly ExpiringException[];
  /** Stores by backup coverage (a store the tagger knows nothing of is `unknown`). */
  readonly coverage: CoverageCounts;
  /** The unprotected stores, by id, at most UNPROTECTED_LISTED of them. */
  readonly unprotected: readonly {
    readonly storeId: number;
    readonly name: string;
    readonly reason: ProtectionReason | string;
    readonly since: string;
  }[];
}

/** An exception that ends soon, as status shows it. */
export type ExpiringException = Pick<
  FindingException,
  'exceptionId' | 'reason' | 'expiresAt' | 'requestedBy' | 'scope'
>;

/** Where the exceptions are and the instant "soon" is measured from. */
export interface TenantStatusOptions {
  /** Absent: no exceptions are read (`expiringSoon` is empty). */
  readonly exceptions?: ExceptionStore | undefined;
  readonly now?: Date | undefined;
}

/** True when the state holds nothing of the tenant (never polled under this name). */
export function isEmptyStatus(status: TenantStatus): boolean {
  return (
    status.lastPoll === null &&
    status.pollInProgress === null &&
    status.stores.inState === 0 &&
    status.stores.removed === 0
  );
}

type Meta = Awaited<ReturnType<StateStore['loadMeta']>>;
type Checkpoint = Awaited<ReturnType<StateStore['loadCheckpoint']>>;
type Protections = Awaited<ReturnType<StateStore['listProtections']>>;
type Census = ReturnType<typeof newCensus>;

/**
 * Reads `tenant`'s status from `state`, a batch of store records at a time, and its exceptions
 * from `exceptions` (one listExceptions call).
 */
export async function tenantStatus(
  state: StateStore,
  tenant: string,
  { exceptions, now = new Date() }: TenantStatusOptions = {},
): Promise<TenantStatus> {
  const [meta, checkpoint, protections, listed] = await Promise.all([
    state.loadMeta(tenant),
    state.loadCheckpoint(tenant),
    state.listProtections(tenant),
    exceptions?.listExceptions(tenant) ?? [],
  ]);
  const census = newCensus();
  const { names, removed } = await countStoresOf(state, tenant, census);
  countUnprotectedFindings(census, protections.values(), (storeId) => names.has(storeId));
  return {
    tenant,
    baselineAt: meta?.baselineAt ?? null,
    lastPoll: lastPollOf(meta),
    pollInProgress: pollInProgressOf(checkpoint),
    stores: { inState: census.stores, removed },
    openFindings: openFindingsOf(census),
    expiringSoon: expiringWithin(
      listed.map(({ exception }) => exception),
      now,
    ).map(({ exceptionId, reason, expiresAt, requestedBy, scope }) => ({
      exceptionId,
      reason,
      expiresAt,
      requestedBy,
      scope,
    })),
    coverage: coverageCounts(names.keys(), protections),
    unprotected: unprotectedStores(protections, names),
  };
}

/** Streams the tenant's store records into `census`: the names of the present ones, the removed count. */
async function countStoresOf(state: StateStore, tenant: string, census: Census) {
  const names = new Map<number, string>();
  let removed = 0;
  for await (const batch of state.streamStores(tenant)) {
    countStores(census, batch);
    for (const record of batch) {
      if (record.removedAt === undefined) names.set(record.storeId, record.identity.name);
      else removed += 1;
    }
  }
  return { names, removed };
}

/** The first {@link UNPROTECTED_LISTED} present stores tagged unprotected, by store id. */
function unprotectedStores(
  protections: Protections,
  names: ReadonlyMap<number, string>,
): TenantStatus['unprotected'] {
  return [...protections.values()]
    .filter((record) => names.has(record.storeId) && coverageOf(record).state === 'unprotected')
    .sort((a, b) => a.storeId - b.storeId)
    .slice(0, UNPROTECTED_LISTED)
    .map((record) => ({
      storeId: record.storeId,
      name: names.get(record.storeId) ?? String(record.storeId),
      reason: coverageOf(record).reason,
      since: record.observedAt,
    }));
}

function lastPollOf(meta: Meta): TenantStatus['lastPoll'] {
  if (!meta) return null;
  return {
    pollId: meta.lastPollId,
    startedAt: meta.lastPollAt,
    ...(meta.lastPoll ? { outcome: meta.lastPoll } : {}),
  };
}

function pollInProgressOf(checkpoint: Checkpoint): TenantStatus['pollInProgress'] {
  if (!checkpoint) return null;
  return {
    pollId: checkpoint.pollId,
    startedAt: checkpoint.startedAt,
    chunks: checkpoint.chunk,
    listing: checkpoint.listing.state,
    seen: checkpoint.seen.size,
    total: checkpoint.listing.total ?? null,
  };
}

function openFindingsOf(census: Census): TenantStatus['openFindings'] {
  const bySeverity = openBySeverity(census);
  return {
    total: Object.values(bySeverity).reduce((sum, count) => sum + count, 0),
    byCondition: openByCondition(census),
    bySeverity,
    matrix: census.open,
    suppressed: census.suppressed,
  };
}
