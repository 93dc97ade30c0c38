/**
 * `FINDING_SEVERITIES`, read by the poller (high-risk, public-access, encryption-off, backup-off)
 * and the tagger (unprotected) alike: `condition=severity,...`, a condition set to `off` is never
 * evaluated. Unset: the documented defaults (shared/findings/severities.ts).
 */
import { ConfigError } from '../errors.ts';
import { FINDING_CONDITIONS } from '../events/detail-types.ts';
import {
  DEFAULT_FINDING_SETTINGS,
  type FindingSettings,
  parseFindingSettings,
} from '../findings/severities.ts';
import { type Environment, optionalString } from './env.ts';

/**
 * Reads `FINDING_SEVERITIES`.
 * @throws ConfigError naming the entry that is wrong.
 */
export function readFindingSettings(env: Environment): FindingSettings {
  const raw = optionalString(env, 'FINDING_SEVERITIES');
  if (raw === undefined) return DEFAULT_FINDING_SETTINGS;
  try {
    return parseFindingSettings(raw, FINDING_CONDITIONS);
  } catch (error) {
    throw new ConfigError(`FINDING_SEVERITIES: ${(error as Error).message}`);
  }
}
