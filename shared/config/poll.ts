/**
 * The poller's side of the runtime contract: where events go, where state lives, what is
 * watched and how it is graded.
 */
import { ConfigError } from '../errors.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '../poll/poll-config.ts';
import type { MinimumDeltas } from '../risk/diff.ts';
import { checkBands, DEFAULT_RISK_BANDS, type RiskBands } from '../risk/levels.ts';
import {
  DEFAULT_WATCHED_FIELDS,
  isWatchableField,
  WATCHABLE_FIELDS,
  type WatchedField,
} from '../risk/watched-fields.ts';
import { booleanVar, type Environment, numberVar, optionalString } from './env.ts';
import { readFindingSettings } from './findings.ts';
import type { PublishingConfig } from './publishing.ts';

/** Poller configuration from the environment. */
export interface PollerConfig {
  readonly settings: PollSettings;
  /**
   * `POLL_CHUNK_SECONDS`: the longest a workflow chunk lists, in ms; undefined: as long as its
   * invocation allows (`chunkStopAt`). 0 stops every chunk after its first page.
   */
  readonly chunkBudgetMs: number | undefined;
}

/**
 * Reads the poller's own settings, `RISK_WATCHED_FIELDS`, `RISK_MIN_DELTAS`, `RISK_BANDS`,
 * `FINDING_SEVERITIES`, `POLL_EMIT_BASELINE_EVENTS`, `POLL_LEASE_TTL_SECONDS` and
 * `POLL_CHUNK_SECONDS`, on top of where its events go
 * (`publishing`, read once for every function by config/publishing.ts).
 * @throws ConfigError naming the variable that is wrong.
 */
export function readPollerConfig(
  env: Environment,
  publishing: Pick<PublishingConfig, 'source' | 'test'>,
): PollerConfig {
  return {
    settings: {
      source: publishing.source,
      test: publishing.test,
      watchedFields: readWatchedFields(optionalString(env, 'RISK_WATCHED_FIELDS')),
      minimumDeltas: readMinimumDeltas(optionalString(env, 'RISK_MIN_DELTAS')),
      bands: readBands(optionalString(env, 'RISK_BANDS')),
      findings: readFindingSettings(env),
      emitBaselineEvents: booleanVar(
        env,
        'POLL_EMIT_BASELINE_EVENTS',
        DEFAULT_POLL_SETTINGS.emitBaselineEvents,
      ),
      leaseTtlMs:
        numberVar(env, 'POLL_LEASE_TTL_SECONDS', DEFAULT_POLL_SETTINGS.leaseTtlMs / 1000, {
          min: 60,
          max: 86_400,
        }) * 1000,
    },
    chunkBudgetMs: readChunkBudget(env),
  };
}

/** `POLL_CHUNK_SECONDS`: 0 to 900 seconds, or unset. */
function readChunkBudget(env: Environment): number | undefined {
  if (optionalString(env, 'POLL_CHUNK_SECONDS') === undefined) return undefined;
  return numberVar(env, 'POLL_CHUNK_SECONDS', 0, { min: 0, max: 900 }) * 1000;
}

/** `RISK_WATCHED_FIELDS`: comma-separated DSPM field names. */
export function readWatchedFields(raw: string | undefined): readonly WatchedField[] {
  if (raw === undefined) return DEFAULT_WATCHED_FIELDS;
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isWatchableField(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `RISK_WATCHED_FIELDS names fields the poller cannot watch: ${unknown.join(', ')} (known: ${Object.keys(WATCHABLE_FIELDS).join(', ')})`,
    );
  }
  if (names.length === 0)
    throw new ConfigError('RISK_WATCHED_FIELDS is empty; leave it unset to watch every field');
  return [...new Set(names)] as WatchedField[];
}

/** `RISK_MIN_DELTAS`: `field=n,field=n` for numeric fields. */
export function readMinimumDeltas(raw: string | undefined): MinimumDeltas {
  if (raw === undefined) return {};
  const deltas: Partial<Record<WatchedField, number>> = {};
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [field, value, ...rest] = pair.split('=').map((part) => part.trim());
    if (!field || value === undefined || rest.length > 0)
      throw new ConfigError(`RISK_MIN_DELTAS entry "${pair}" is not field=number`);
    if (!isWatchableField(field)) throw new ConfigError(`RISK_MIN_DELTAS names an unknown field "${field}"`);
    const kind = WATCHABLE_FIELDS[field];
    if (kind !== 'score' && kind !== 'count')
      throw new ConfigError(`RISK_MIN_DELTAS: "${field}" is not numeric`);
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0)
      throw new ConfigError(`RISK_MIN_DELTAS: "${field}" needs a non-negative number, got "${value}"`);
    deltas[field] = number;
  }
  return deltas;
}

/** `RISK_BANDS`: three increasing numbers, the upper bounds of low, medium and high (default 25,50,75). */
export function readBands(raw: string | undefined): RiskBands {
  if (raw === undefined) return DEFAULT_RISK_BANDS;
  const numbers = raw.split(',').map((part) => Number(part.trim()));
  if (numbers.length !== 3 || numbers.some((n) => !Number.isFinite(n))) {
    throw new ConfigError(`RISK_BANDS must be three numbers like 25,50,75, got "${raw}"`);
  }
  const [low, medium, high] = numbers as [number, number, number];
  try {
    return checkBands({ low, medium, high });
  } catch (error) {
    throw new ConfigError(`RISK_BANDS: ${(error as Error).message}`);
  }
}
