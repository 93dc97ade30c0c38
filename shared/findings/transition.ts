/**
 * The finding lifecycle (domain): the previous state of one finding and what holds now -> the
 * event to publish (if any) and the next state. Pure: time comes in as an argument.
 *
 * | previous       | now                    | event                          |
 * |----------------|------------------------|--------------------------------|
 * | none/resolved  | holds                  | opened (occurrence + 1)        |
 * | open           | holds, other severity  | updated (previousSeverity set) |
 * | open           | holds, same severity   | none                           |
 * | open           | does not hold          | resolved (condition-cleared)   |
 * | open           | store removed          | resolved (store-removed)       |
 * | none/resolved  | does not hold          | none                           |
 * | any            | unknown, or off        | none (unknown is not evidence) |
 */
import type { FindingException } from '../events/contract.ts';
import type { FindingCondition } from '../events/detail-types.ts';
import type { FindingState } from './finding-state.ts';
import type { FindingSeverity } from './severities.ts';

/** What holds now: a severity, `null` (does not hold), `undefined` (unknown), or the store is gone. */
export type Observation = FindingSeverity | null | undefined | 'store-removed';

/** One step of a finding's lifecycle, to become an event. */
export interface FindingTransition {
  readonly kind: 'opened' | 'updated' | 'resolved' | 'suppressed' | 'unsuppressed';
  readonly condition: FindingCondition;
  /** The state after this step (what is committed once the event is accepted). */
  readonly next: FindingState;
  readonly previousSeverity: FindingSeverity | null;
  readonly resolution: 'condition-cleared' | 'store-removed' | null;
  /** The exception covering it (or, on `unsuppressed`, the one that ended); see apply-exceptions.ts. */
  readonly exception?: FindingException | undefined;
}

/**
 * The step `previous` takes given `now`, observed at `at`; `baseline` marks an occurrence opened
 * now as one that already held at the first poll. Undefined when nothing happens.
 */
export function stepFinding(
  condition: FindingCondition,
  previous: FindingState | undefined,
  now: Observation,
  at: Date,
  baseline: boolean,
): FindingTransition | undefined {
  if (now === undefined) return undefined;
  const open = previous?.status === 'open';
  if (now === null || now === 'store-removed') {
    if (!open || previous === undefined) return undefined;
    const { resolvedAt: _dropped, ...rest } = previous;
    return {
      kind: 'resolved',
      condition,
      next: { ...rest, status: 'resolved', resolvedAt: at.toISOString(), sequence: previous.sequence + 1 },
      previousSeverity: null,
      resolution: now === null ? 'condition-cleared' : 'store-removed',
    };
  }
  if (!open) {
    return {
      kind: 'opened',
      condition,
      next: {
        status: 'open',
        occurrence: (previous?.occurrence ?? 0) + 1,
        severity: now,
        openedAt: at.toISOString(),
        sequence: (previous?.sequence ?? 0) + 1,
        baseline,
      },
      previousSeverity: null,
      resolution: null,
    };
  }
  if (previous.severity === now) return undefined;
  return {
    kind: 'updated',
    condition,
    next: { ...previous, severity: now, sequence: previous.sequence + 1 },
    previousSeverity: previous.severity,
    resolution: null,
  };
}
