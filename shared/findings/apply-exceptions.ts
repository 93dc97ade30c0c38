/**
 * Exceptions applied to one finding's lifecycle (domain): the condition's own step
 * (transition.ts), then whether the exceptions in force still say what the state says. Pure.
 *
 * | the finding            | covered now?            | events                                   |
 * |------------------------|-------------------------|------------------------------------------|
 * | opens                  | yes                     | opened, status suppressed                |
 * | open, not suppressed   | yes                     | suppressed                               |
 * | open, suppressed by X  | no (X expired, revoked) | unsuppressed (status open, carries X)    |
 * | open, suppressed by X  | by Y instead            | suppressed (carries Y)                   |
 * | suppressed             | (severity moves)        | updated, status suppressed               |
 * | suppressed             | (condition clears)      | resolved, carries X                      |
 */
import type { FindingException } from '../events/contract.ts';
import type { FindingCondition } from '../events/detail-types.ts';
import type { FindingState } from './finding-state.ts';
import { type FindingTransition, type Observation, stepFinding } from './transition.ts';

/** The exceptions as one store's findings see them. */
export interface FindingCoverage {
  /** The exception in force covering `condition` of the store, if any. */
  covering(condition: FindingCondition): FindingException | undefined;
  /** Any exception by id, ended ones too (to name the one that stopped covering). */
  byId(exceptionId: string): FindingException | undefined;
}

/** A store no exception covers. */
export const UNCOVERED: FindingCoverage = { covering: () => undefined, byId: () => undefined };

/** True when no open finding's suppression differs from what the exceptions say now. */
export function coverageUpToDate(
  states: Readonly<Partial<Record<FindingCondition, FindingState>>> | undefined,
  conditions: readonly FindingCondition[],
  coverage: FindingCoverage,
): boolean {
  if (states === undefined) return true;
  for (const condition of conditions) {
    const state = states[condition];
    if (state?.status !== 'open') continue;
    if (state.suppressedBy !== coverage.covering(condition)?.exceptionId) return false;
  }
  return true;
}

/** The steps one finding takes given what holds now and what covers it now (zero, one or two). */
export function stepCoveredFinding(
  condition: FindingCondition,
  previous: FindingState | undefined,
  now: Observation,
  at: Date,
  baseline: boolean,
  coverage: FindingCoverage,
): FindingTransition[] {
  const covering = coverage.covering(condition);
  const step = stepFinding(condition, previous, now, at, baseline);
  const suppressing = previous?.suppressedBy === undefined ? undefined : coverage.byId(previous.suppressedBy);
  if (step?.kind === 'opened') {
    if (covering === undefined) return [step];
    return [{ ...step, next: { ...step.next, suppressedBy: covering.exceptionId }, exception: covering }];
  }
  if (step?.kind === 'resolved') {
    const { suppressedBy: _ended, ...next } = step.next;
    return [{ ...step, next, ...(suppressing ? { exception: suppressing } : {}) }];
  }
  const transitions: FindingTransition[] = [];
  let state = previous;
  if (step !== undefined) {
    transitions.push(suppressing ? { ...step, exception: suppressing } : step);
    state = step.next;
  }
  if (state?.status !== 'open' || state.suppressedBy === covering?.exceptionId) return transitions;
  const sequence = state.sequence + 1;
  if (covering !== undefined) {
    transitions.push({
      kind: 'suppressed',
      condition,
      next: { ...state, suppressedBy: covering.exceptionId, sequence },
      previousSeverity: null,
      resolution: null,
      exception: covering,
    });
  } else {
    const { suppressedBy, ...rest } = state;
    const ended = suppressedBy === undefined ? undefined : coverage.byId(suppressedBy);
    transitions.push({
      kind: 'unsuppressed',
      condition,
      next: { ...rest, sequence },
      previousSeverity: null,
      resolution: null,
      ...(ended ? { exception: ended } : {}),
    });
  }
  return transitions;
}
