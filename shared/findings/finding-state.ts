/**
 * What the bridge remembers about one finding between runs: kept with the store's record (poll
 * conditions) or its protection record (`unprotected`), committed only once its events were accepted.
 */
import type { FindingCondition } from '../events/detail-types.ts';
import type { FindingSeverity } from './severities.ts';

/** The committed state of one finding (one condition of one store), across its occurrences. */
export interface FindingState {
  readonly status: 'open' | 'resolved';
  /** 1 for the first occurrence, one more per re-opening. */
  readonly occurrence: number;
  readonly severity: FindingSeverity;
  /** When the current (or last) occurrence opened (ISO). */
  readonly openedAt: string;
  /** When it was resolved (ISO); absent while open. */
  readonly resolvedAt?: string | undefined;
  /** The sequence of the last event of this finding, across occurrences. */
  readonly sequence: number;
  /** The current occurrence opened at the tenant's first poll (or the store's first assessment). */
  readonly baseline: boolean;
  /**
   * The exception covering the open occurrence (its events say `suppressed`); absent while it is
   * open uncovered, and once resolved.
   */
  readonly suppressedBy?: string | undefined;
}

/** A store's findings, by condition. */
export type FindingStates = Readonly<Partial<Record<FindingCondition, FindingState>>>;
