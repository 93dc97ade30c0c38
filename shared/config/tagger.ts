/**
 * The tagger's and the coverage sweep's side of the runtime contract.
 */

import type { SweepSettings } from '../backup/sweep-settings.ts';
import { DEFAULT_UNPROTECTED_TAG, type UnprotectedTagSettings } from '../backup/unprotected-tag-settings.ts';
import { ConfigError } from '../errors.ts';
import type { ConditionSetting } from '../findings/severities.ts';
import { type Environment, numberVar, optionalString } from './env.ts';
import { readFindingSettings } from './findings.ts';

/** Where the coverage sweep asks about recovery points (`BACKUP_INVENTORY_*`). */
export interface InventoryConfig {
  /** `BACKUP_INVENTORY`: `aws-backup` (default) or `off` (the sweep then never tags on absence). */
  readonly kind: 'aws-backup' | 'off';
  /** `BACKUP_INVENTORY_ROLE`: role name, or ARN with `{accountId}`, assumed in each store's account. */
  readonly roleArnTemplate: string | undefined;
  /** `BACKUP_INVENTORY_ACCOUNTS`: accounts that may be asked (unset: any). */
  readonly accounts: ReadonlySet<string> | undefined;
  /** `BACKUP_INVENTORY_REGIONS`: regions that may be asked (unset: any). */
  readonly regions: ReadonlySet<string> | undefined;
  /** `AWS_ENDPOINT_URL_BACKUP` (else `AWS_ENDPOINT_URL`): AWS Backup elsewhere (the tests' peer). */
  readonly backupEndpoint: string | undefined;
  /** `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`): STS elsewhere (moto). */
  readonly stsEndpoint: string | undefined;
}

/** Tagger configuration from the environment. */
export interface TaggerConfig {
  /** `BACKUP_EVENT_SOURCES`: sources accepted for the generic contract (`aws.backup` always is). */
  readonly acceptedSources: ReadonlySet<string>;
  /** `BACKUP_RESOURCE_MAP`: JSON object of ARN or endpoint to DSPM store id. */
  readonly mappings: ReadonlyMap<string, number>;
  readonly tag: UnprotectedTagSettings;
  readonly sweep: SweepSettings;
  readonly inventory: InventoryConfig;
  /** `DEAD_LETTER_QUEUE_URL`: where malformed events go, with their reason. */
  readonly deadLetterQueueUrl: string | undefined;
  /** `FINDING_SEVERITIES`' `unprotected` entry: the severity of the tagger's finding, or `off`. */
  readonly unprotectedFinding: ConditionSetting;
}

/**
 * Reads the tagger's variables.
 * @throws ConfigError naming the variable that is wrong.
 */
export function readTaggerConfig(env: Environment): TaggerConfig {
  const categoryId = optionalString(env, 'UNPROTECTED_TAG_CATEGORY_ID');
  return {
    unprotectedFinding: readFindingSettings(env).unprotected,
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
      inventoryConcurrency: numberVar(env, 'BACKUP_INVENTORY_CONCURRENCY', 8, {
        min: 1,
        max: 64,
        integer: true,
      }),
      maxLookups: numberVar(env, 'COVERAGE_MAX_LOOKUPS', 5_000, { min: 1, max: 1_000_000, integer: true }),
    },
    inventory: readInventory(env),
    deadLetterQueueUrl: optionalString(env, 'DEAD_LETTER_QUEUE_URL'),
  };
}

function readInventory(env: Environment): InventoryConfig {
  const kind = optionalString(env, 'BACKUP_INVENTORY')?.toLowerCase() ?? 'aws-backup';
  if (kind !== 'aws-backup' && kind !== 'off')
    throw new ConfigError(`BACKUP_INVENTORY must be aws-backup or off, got "${kind}"`);
  const role = optionalString(env, 'BACKUP_INVENTORY_ROLE');
  if (
    role !== undefined &&
    !(
      role.startsWith('arn:')
        ? /^arn:aws[a-z-]*:iam::\{accountId\}:role\/[\w+=,.@/-]{1,512}$/
        : /^[\w+=,.@-]{1,64}$/
    ).test(role)
  ) {
    throw new ConfigError(
      `BACKUP_INVENTORY_ROLE must be a role name (dspm-bridge-backup-read) or an ARN with {accountId} (arn:aws:iam::{accountId}:role/dspm-bridge-backup-read), got "${role}"`,
    );
  }
  const accounts = optionalString(env, 'BACKUP_INVENTORY_ACCOUNTS');
  const regions = optionalString(env, 'BACKUP_INVENTORY_REGIONS');
  const endpoint = optionalString(env, 'AWS_ENDPOINT_URL');
  return {
    kind,
    roleArnTemplate: role,
    backupEndpoint: optionalString(env, 'AWS_ENDPOINT_URL_BACKUP') ?? endpoint,
    stsEndpoint: optionalString(env, 'AWS_ENDPOINT_URL_STS') ?? endpoint,
    accounts:
      accounts === undefined
        ? undefined
        : new Set(
            list(accounts).map((id) => {
              if (!/^\d{12}$/.test(id))
                throw new ConfigError(
                  `BACKUP_INVENTORY_ACCOUNTS must list 12-digit account ids, got "${id}"`,
                );
              return id;
            }),
          ),
    regions:
      regions === undefined
        ? undefined
        : new Set(
            list(regions).map((region) => {
              if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
                throw new ConfigError(
                  `BACKUP_INVENTORY_REGIONS must list regions like eu-west-1, got "${region}"`,
                );
              return region;
            }),
          ),
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
