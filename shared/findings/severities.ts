/**
 * How severe each finding condition is, and which conditions are on. Defaults: `high-risk` takes
 * the risk level (high or critical), `public-access` high, `encryption-off`, `backup-off` and
 * `unprotected` medium. `FINDING_SEVERITIES` overrides them (config/findings.ts reads it).
 */
import type { FindingCondition } from '../events/detail-types.ts';

/** A finding's severity (a risk level without `unknown` and without `low` being excluded). */
export type FindingSeverity = 'low' | 'medium' | 'high' | 'critical';

/** The severities, lowest first. */
export const FINDING_SEVERITY_NAMES = ['low', 'medium', 'high', 'critical'] as const;

/**
 * What a condition is set to: a fixed severity, `level` (the risk level itself; `high-risk` only)
 * or `off` (never evaluated: it opens and resolves nothing).
 */
export type ConditionSetting = FindingSeverity | 'level' | 'off';

/** The setting of every condition. */
export type FindingSettings = Readonly<Record<FindingCondition, ConditionSetting>>;

/** The documented defaults. */
export const DEFAULT_FINDING_SETTINGS = {
  'high-risk': 'level',
  'public-access': 'high',
  'encryption-off': 'medium',
  'backup-off': 'medium',
  unprotected: 'medium',
} as const satisfies FindingSettings;

/**
 * Parses `condition=severity,...` (e.g. `public-access=critical,backup-off=off`) on top of the
 * defaults. `high-risk` takes `level` or `off`; the others a severity or `off`.
 * @throws RangeError naming the entry that is wrong.
 */
export function parseFindingSettings(raw: string, known: readonly FindingCondition[]): FindingSettings {
  const settings: Record<FindingCondition, ConditionSetting> = { ...DEFAULT_FINDING_SETTINGS };
  for (const entry of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, value, ...rest] = entry.split('=').map((part) => part.trim());
    if (!name || !value || rest.length > 0)
      throw new RangeError(`entry "${entry}" is not condition=severity`);
    if (!(known as readonly string[]).includes(name))
      throw new RangeError(`unknown condition "${name}" (known: ${known.join(', ')})`);
    const condition = name as FindingCondition;
    const allowed: readonly string[] =
      condition === 'high-risk' ? ['level', 'off'] : [...FINDING_SEVERITY_NAMES, 'off'];
    if (!allowed.includes(value))
      throw new RangeError(`"${condition}" takes one of ${allowed.join(', ')}, got "${value}"`);
    settings[condition] = value as ConditionSetting;
  }
  return settings;
}
