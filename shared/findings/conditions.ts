/**
 * Whether each poll-side finding condition holds for a store's snapshot (domain). A field that is
 * unknown (`null`, DSPM's `-1`) or not watched says nothing: the condition is then `undefined`,
 * and an unknown never opens or resolves a finding. Allocation-free, for the poll's hot path.
 */
import type { FindingCondition } from '../events/detail-types.ts';
import { type RiskBands, riskLevel } from '../risk/levels.ts';
import type { Snapshot } from '../risk/snapshot.ts';
import type { WatchedField } from '../risk/watched-fields.ts';
import type { FindingSettings, FindingSeverity } from './severities.ts';

/** The conditions a poll evaluates (`unprotected` is the tagger's). */
export const POLL_CONDITIONS = ['high-risk', 'public-access', 'encryption-off', 'backup-off'] as const;

/** One condition the poll evaluates. */
export type PollCondition = (typeof POLL_CONDITIONS)[number];

/** The watched field each poll condition reads (its evidence). */
export const EVIDENCE_FIELD = {
  'high-risk': 'data_store_risk_rating',
  'public-access': 'publicly_inaccessible',
  'encryption-off': 'encryption',
  'backup-off': 'backup',
} as const satisfies Record<PollCondition, WatchedField>;

/**
 * The severity the condition holds with, `null` when it does not hold, `undefined` when the
 * snapshot cannot tell (the field unknown or not watched) or the condition is off.
 */
export function evaluateCondition(
  condition: PollCondition,
  snapshot: Snapshot,
  settings: FindingSettings,
  bands: RiskBands,
): FindingSeverity | null | undefined {
  const setting = settings[condition];
  if (setting === 'off') return undefined;
  const value = snapshot[EVIDENCE_FIELD[condition]];
  if (value === undefined || value === null) return undefined;
  if (condition === 'high-risk') {
    if (typeof value !== 'number') return undefined;
    const level = riskLevel(value, bands);
    return level === 'high' || level === 'critical' ? level : null;
  }
  // Toggles: `Off` holds (for publicly_inaccessible, Off means the store is public), `On` clears,
  // anything else is a value this reading of the API does not know, so it proves nothing.
  if (value === 'Off') return setting === 'level' ? 'high' : setting;
  if (value === 'On') return null;
  return undefined;
}

/** The condition's evidence: the field it reads, with its value (null when unknown). */
export function evidenceOf(
  condition: PollCondition,
  snapshot: Snapshot,
): Record<string, number | string | null> {
  const field = EVIDENCE_FIELD[condition];
  const value = snapshot[field];
  return { [field]: typeof value === 'number' || typeof value === 'string' ? value : null };
}

/** True for a condition the poll evaluates. */
export function isPollCondition(condition: FindingCondition): condition is PollCondition {
  return (POLL_CONDITIONS as readonly string[]).includes(condition);
}
