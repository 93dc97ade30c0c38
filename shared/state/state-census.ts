/**
 * What the committed state adds up to: live stores, open findings by condition and severity (and
 * how many of them an exception suppresses), and stores by coverage state. Counted a batch of records at a time, so whoever already walks the
 * state (the poll's finish step, streaming it for removals) counts on the way for nothing more
 * than the walk, and `dspm-bridge status` counts the same way.
 */
import type { FindingCondition } from '../events/detail-types.ts';
import type { FindingState } from '../findings/finding-state.ts';
import { FINDING_SEVERITY_NAMES, type FindingSeverity } from '../findings/severities.ts';
import { type CoverageState, coverageOf, type ProtectionRecord } from './protection-records.ts';
import type { StoreRecord } from './records.ts';

/** Open findings of one condition, by severity. */
export type SeverityCounts = Record<FindingSeverity, number>;

/** The counts. */
export interface StateCensus {
  /** Stores in the state that are not removed (tombstones left out). */
  stores: number;
  /** Open findings, by condition and severity; a condition appears once one of its findings is open. */
  readonly open: Partial<Record<FindingCondition, SeverityCounts>>;
  /**
   * Of the open findings, those an exception covers (`suppressedBy` set): still counted in
   * `open`, since the condition is still there; an exception only silences it.
   */
  suppressed: number;
}

/** Stores by coverage state (a store without a protection record is `unknown`). */
export type CoverageCounts = Record<CoverageState, number>;

/** An empty census. */
export function newCensus(): StateCensus {
  return { stores: 0, open: {}, suppressed: 0 };
}

/** A zero count per severity. */
export function zeroSeverities(): SeverityCounts {
  return Object.fromEntries(FINDING_SEVERITY_NAMES.map((severity) => [severity, 0])) as SeverityCounts;
}

/**
 * Counts a batch of store records: each live one, and its open poll-condition findings.
 * `live(record)` says whether the store still exists (the finish step leaves out the ones its
 * pass did not see: they are being removed); tombstones never count.
 */
export function countStores(
  census: StateCensus,
  records: Iterable<StoreRecord>,
  live: (record: StoreRecord) => boolean = () => true,
): void {
  for (const record of records) {
    if (record.removedAt !== undefined || !live(record)) continue;
    census.stores += 1;
    for (const [condition, finding] of Object.entries(record.findings ?? {})) {
      countFinding(census, condition as FindingCondition, finding);
    }
  }
}

/** Counts the tagger's `unprotected` findings of live stores (`live` as in `countStores`). */
export function countUnprotectedFindings(
  census: StateCensus,
  protections: Iterable<ProtectionRecord>,
  live: (storeId: number) => boolean,
): void {
  for (const record of protections) {
    if (record.unprotectedFinding && live(record.storeId))
      countFinding(census, 'unprotected', record.unprotectedFinding);
  }
}

function countFinding(census: StateCensus, condition: FindingCondition, finding: FindingState): void {
  if (finding.status !== 'open') return;
  const counts = census.open[condition] ?? zeroSeverities();
  counts[finding.severity] += 1;
  census.open[condition] = counts;
  if (finding.suppressedBy !== undefined) census.suppressed += 1;
}

/** Open findings by condition (each over every severity). */
export function openByCondition(census: StateCensus): Partial<Record<FindingCondition, number>> {
  return Object.fromEntries(
    Object.entries(census.open).map(([condition, counts]) => [condition, sum(Object.values(counts))]),
  );
}

/** Open findings by severity (each over every condition). */
export function openBySeverity(census: StateCensus): SeverityCounts {
  const totals = zeroSeverities();
  for (const counts of Object.values(census.open)) {
    for (const severity of FINDING_SEVERITY_NAMES) totals[severity] += counts[severity];
  }
  return totals;
}

/** Stores by coverage state: each live store's protection record, `unknown` without one. */
export function coverageCounts(
  storeIds: Iterable<number>,
  protections: ReadonlyMap<number, ProtectionRecord>,
): CoverageCounts {
  const counts: CoverageCounts = { protected: 0, unprotected: 0, unknown: 0, excluded: 0 };
  for (const storeId of storeIds) {
    const record = protections.get(storeId);
    counts[record ? coverageOf(record).state : 'unknown'] += 1;
  }
  return counts;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
