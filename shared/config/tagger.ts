/**
 * The tagger's and the coverage sweep's side of the runtime contract.
 */

import type { SweepSettings } from '../backup/sweep-coverage.ts';
import { DEFAULT_UNPROTECTED_TAG, type UnprotectedTagSettings } from '../backup/unprotected-tag.ts';
import { ConfigError } from '../errors.ts';
import { type Environment, numberVar, optionalString } from './env.ts';

/** Tagger configuration from the environment. */
export interface TaggerConfig {
  /** `BACKUP_EVENT_SOURCES`: sources accepted for the generic contract (`aws.backup` always is). */
  readonly acceptedSources: ReadonlySet<string>;
  /** `BACKUP_RESOURCE_MAP`: JSON object of ARN or endpoint to DSPM store id. */
  readonly mappings: ReadonlyMap<string, number>;
  readonly tag: UnprotectedTagSettings;
  readonly sweep: SweepSettings;
  /** `DEAD_LETTER_QUEUE_URL`: where malformed events go, with their reason. */
  readonly deadLetterQueueUrl: string | undefined;
}

/**
 * Reads the tagger's variables.
 * @throws ConfigError naming the variable that is wrong.
 */
export function readTaggerConfig(env: Environment): TaggerConfig {
  const categoryId = optionalString(env, 'UNPROTECTED_TAG_CATEGORY_ID');
  return {
    acceptedSources: new Set(list(optionalString(env, 'BACKUP_EVENT_SOURCES'))),
    mappings: readMappings(optionalString(env, 'BACKUP_RESOURCE_MAP')),
    tag: {
      tagName: optionalString(env, 'UNPROTECTED_TAG_NAME') ?? DEFAULT_UNPROTECTED_TAG.tagName,
      tagDescription:
        optionalString(env, 'UNPROTECTED_TAG_DESCRIPTION') ?? DEFAULT_UNPROTECTED_TAG.tagDescription,
      tagColor: readColor(optionalString(env, 'UNPROTECTED_TAG_COLOR')),
      categoryName:
        optionalString(env, 'UNPROTECTED_TAG_CATEGORY_NAME') ?? DEFAULT_UNPROTECTED_TAG.categoryName,
      categoryDescription:
        optionalString(env, 'UNPROTECTED_TAG_CATEGORY_DESCRIPTION') ??
        DEFAULT_UNPROTECTED_TAG.categoryDescription,
      categoryId:
        categoryId === undefined
          ? undefined
          : numberVar(env, 'UNPROTECTED_TAG_CATEGORY_ID', 0, {
              min: 0,
              max: Number.MAX_SAFE_INTEGER,
              integer: true,
            }),
    },
    sweep: {
      rpoHours: numberVar(env, 'BACKUP_RPO_HOURS', 26, { min: 1, max: 24 * 365 }),
      excludedServices: new Set(list(optionalString(env, 'BACKUP_EXCLUDED_SERVICES'))),
      excludedConnections: new Set(
        list(optionalString(env, 'BACKUP_EXCLUDED_CONNECTIONS')).map((id) => {
          if (!/^\d+$/.test(id))
            throw new ConfigError(`BACKUP_EXCLUDED_CONNECTIONS must list connection ids, got "${id}"`);
          return Number(id);
        }),
      ),
      maxChanges: numberVar(env, 'COVERAGE_MAX_CHANGES', 500, { min: 1, max: 1_000_000, integer: true }),
    },
    deadLetterQueueUrl: optionalString(env, 'DEAD_LETTER_QUEUE_URL'),
  };
}

function list(raw: string | undefined): string[] {
  return raw === undefined
    ? []
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
}

function readColor(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_UNPROTECTED_TAG.tagColor;
  if (!/^#[0-9a-fA-F]{6}$/.test(raw))
    throw new ConfigError(`UNPROTECTED_TAG_COLOR must be a colour like #e3d9ff, got "${raw}"`);
  return raw;
}

function readMappings(raw: string | undefined): ReadonlyMap<string, number> {
  if (raw === undefined) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'BACKUP_RESOURCE_MAP must be a JSON object of ARN or endpoint to store id, e.g. {"arn:aws:rds:...":3}',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('BACKUP_RESOURCE_MAP must be a JSON object of ARN or endpoint to store id');
  }
  const mappings = new Map<string, number>();
  for (const [key, value] of Object.entries(parsed)) {
    if (!Number.isInteger(value) || (value as number) < 0)
      throw new ConfigError(
        `BACKUP_RESOURCE_MAP: "${key}" must map to a store id, got ${JSON.stringify(value)}`,
      );
    mappings.set(key, value as number);
  }
  return mappings;
}
