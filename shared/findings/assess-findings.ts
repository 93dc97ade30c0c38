/**
 * The poll's findings for one store (domain): its committed finding states and its snapshot ->
 * the transitions to publish and the states to commit with the store once they are accepted.
 */
import type { RiskBands } from '../risk/levels.ts';
import type { Snapshot } from '../risk/snapshot.ts';
import { coverageUpToDate, type FindingCoverage, stepCoveredFinding, UNCOVERED } from './apply-exceptions.ts';
import { evaluateCondition, POLL_CONDITIONS } from './conditions.ts';
import type { FindingStates } from './finding-state.ts';
import type { FindingSettings } from './severities.ts';
import type { FindingTransition } from './transition.ts';

/** What a poll's finding assessment needs. */
export interface FindingAssessment {
  readonly settings: FindingSettings;
  readonly bands: RiskBands;
  /**
   * Occurrences opened now already held before the bridge watched for them: the tenant's first
   * poll, or a committed store whose record predates findings (the caller tells).
   */
  readonly baseline: boolean;
  /** The exceptions as this store's findings see them (none when absent). */
  readonly coverage?: FindingCoverage | undefined;
}

/** The transitions of one store's findings and its states after them. */
export interface FindingsOutcome {
  readonly transitions: readonly FindingTransition[];
  readonly next: FindingStates;
}

/**
 * True when no poll condition would move and no exception starts or stops covering one: the
 * unchanged store's fast path, which allocates nothing.
 * A record without finding states (written before findings existed) is never up to date.
 */
export function findingsUpToDate(
  states: FindingStates | undefined,
  snapshot: Snapshot,
  settings: FindingSettings,
  bands: RiskBands,
  coverage: FindingCoverage = UNCOVERED,
): boolean {
  if (states === undefined) return false;
  if (!coverageUpToDate(states, POLL_CONDITIONS, coverage)) return false;
  for (const condition of POLL_CONDITIONS) {
    const now = evaluateCondition(condition, snapshot, settings, bands);
    if (now === undefined) continue;
    const state = states[condition];
    const open = state?.status === 'open';
    if (now === null ? open : !open || state?.severity !== now) return false;
  }
  return true;
}

/** Steps every poll condition of one store observed at `at`. */
export function assessFindings(
  states: FindingStates | undefined,
  snapshot: Snapshot,
  at: Date,
  assessment: FindingAssessment,
): FindingsOutcome {
  const next = { ...states };
  const transitions: FindingTransition[] = [];
  const coverage = assessment.coverage ?? UNCOVERED;
  for (const condition of POLL_CONDITIONS) {
    const now = evaluateCondition(condition, snapshot, assessment.settings, assessment.bands);
    for (const step of stepCoveredFinding(
      condition,
      states?.[condition],
      now,
      at,
      assessment.baseline,
      coverage,
    )) {
      transitions.push(step);
      next[condition] = step.next;
    }
  }
  return { transitions, next };
}

/**
 * Resolves every open poll finding of a store a complete listing no longer holds (a suppressed
 * one's `-resolved` names its exception).
 */
export function resolveRemoved(
  states: FindingStates | undefined,
  at: Date,
  coverage: FindingCoverage = UNCOVERED,
): FindingsOutcome {
  const next = { ...states };
  const transitions: FindingTransition[] = [];
  for (const condition of POLL_CONDITIONS) {
    for (const step of stepCoveredFinding(
      condition,
      states?.[condition],
      'store-removed',
      at,
      false,
      coverage,
    )) {
      transitions.push(step);
      next[condition] = step.next;
    }
  }
  return { transitions, next };
}
