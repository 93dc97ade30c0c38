/**
 * What the sweep concludes about one store: the coverage it is counted under, and the change to
 * make when its record says otherwise. Both judging stages (judge-without-inventory.ts,
 * judge-inventory-answer.ts) speak this, and tally.ts adds the judgements up.
 */

import type {
  Coverage,
  CoverageState,
  ProtectionReason,
  ProtectionRecord,
} from '../../state/protection-records.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { SweepDecision, SweepUnknown } from './sweep-report.ts';

/** The reasons the sweep itself sets (and so may lift); any other is a backup system's to change. */
export const SWEEP_REASONS: ReadonlySet<string> = new Set(['RPO_BREACH', 'NOT_ENROLLED']);

/** A change the sweep wants: the decision it reports, and the observation that applies it. */
export interface Verdict {
  readonly decision: Omit<SweepDecision, 'outcome'>;
  readonly protected: boolean;
  readonly reason: ProtectionReason;
  readonly successAt?: Date | undefined;
}

/** One store's judgement. */
export interface Judgement {
  /** The coverage the store is counted under once the sweep's decisions apply. */
  readonly counted: CoverageState;
  /** The change to make, when the store's record does not say this already. */
  readonly verdict?: Verdict | undefined;
  /** Why the store stays unknown (stores counted `unknown` only). */
  readonly unknown?: SweepUnknown | undefined;
  /** The record of an already protected store, with the newer recovery point to remember. */
  readonly refresh?: ProtectionRecord | undefined;
}

/** The verdict that moves `record` to `coverage`, applied as an observation of `isProtected` and `reason`. */
export function verdictOf(
  record: StoreRecord,
  coverage: Coverage,
  isProtected: boolean,
  reason: ProtectionReason,
  successAt?: Date,
): Verdict {
  return {
    decision: {
      storeId: record.storeId,
      name: record.identity.name,
      endpoint: record.identity.endpoint,
      to: coverage.state,
      reason: coverage.reason,
      evidence: coverage.evidence,
    },
    protected: isProtected,
    reason,
    successAt,
  };
}
