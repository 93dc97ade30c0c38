/**
 * Fifth stage of the sweep: add the judgements up, in store id order, into what the report
 * counts and the changes to make.
 */
import type { CoverageState, ProtectionRecord } from '../../state/protection-records.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { Judgement, Verdict } from './judgement.ts';
import type { SweepUnknown } from './sweep-report.ts';

/** The judgements, added up. */
export interface SweepTally {
  /** Stores per coverage state once the verdicts apply. */
  readonly coverage: Record<CoverageState, number>;
  /** Changes to make, in store id order (the change cap defers the last ones). */
  readonly verdicts: readonly Verdict[];
  readonly unknown: readonly SweepUnknown[];
  /** Protected records with a newer recovery point to remember. */
  readonly refreshes: readonly ProtectionRecord[];
}

/** Adds up the judgements of `stores`, in their order. */
export function tallyJudgements(
  stores: readonly StoreRecord[],
  judged: ReadonlyMap<number, Judgement>,
): SweepTally {
  const coverage: Record<CoverageState, number> = { protected: 0, unprotected: 0, unknown: 0, excluded: 0 };
  const verdicts: Verdict[] = [];
  const unknown: SweepUnknown[] = [];
  const refreshes: ProtectionRecord[] = [];
  for (const record of stores) {
    const judgement = judged.get(record.storeId);
    if (!judgement) continue;
    coverage[judgement.counted]++;
    if (judgement.verdict) verdicts.push(judgement.verdict);
    if (judgement.unknown) unknown.push(judgement.unknown);
    if (judgement.refresh) refreshes.push(judgement.refresh);
  }
  return { coverage, verdicts, unknown, refreshes };
}
