/**
 * The ServiceNow follower's settings, read once from the environment (the stack sets them; see
 * infra/constructs/servicenow-follower.ts). Every error names the variable.
 */
import { ConfigError } from '../errors.ts';
import { SEVERITY_RANK } from '../servicenow/incident-fields.ts';
import { profileFor, type TableProfile } from '../servicenow/table-profile.ts';
import { type Environment, numberVar, optionalString } from './env.ts';

/** The follower's configuration. */
export interface ServiceNowConfig {
  readonly instanceUrl: string;
  readonly table: string;
  readonly credentialsSecretId: string;
  readonly progressTable: string;
  readonly createMinimumSeverity: keyof typeof SEVERITY_RANK;
  readonly closeCode: string;
  readonly suppressedCloseCode: string;
  readonly profile: TableProfile;
  readonly category: string | undefined;
  readonly assignmentGroup: string | undefined;
  readonly leaseMs: number;
  readonly deadLetterQueueUrl: string | undefined;
}

/** Defaults the stack and the docs share. */
export const SERVICENOW_DEFAULTS = {
  table: 'incident',
  createMinimumSeverity: 'high',
  leaseSeconds: 120,
} as const;

function required(env: Environment, name: string): string {
  const value = optionalString(env, name);
  if (value === undefined) throw new ConfigError(`${name} is not set`);
  return value;
}

/** Reads the configuration; throws `ConfigError` naming the first wrong variable. */
export function readServiceNowConfig(env: Environment): ServiceNowConfig {
  const instanceUrl = required(env, 'SERVICENOW_INSTANCE_URL');
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new ConfigError(`SERVICENOW_INSTANCE_URL is not a URL: "${instanceUrl}"`);
  }
  if (url.protocol !== 'https:') throw new ConfigError('SERVICENOW_INSTANCE_URL must be https');
  const table = optionalString(env, 'SERVICENOW_TABLE') ?? SERVICENOW_DEFAULTS.table;
  if (!/^[a-z][a-z0-9_]*$/.test(table))
    throw new ConfigError(`SERVICENOW_TABLE is not a table name: "${table}"`);
  const profile = profileFor(table);
  const severity =
    optionalString(env, 'SERVICENOW_CREATE_MIN_SEVERITY') ?? SERVICENOW_DEFAULTS.createMinimumSeverity;
  if (!(severity in SEVERITY_RANK)) {
    throw new ConfigError(
      `SERVICENOW_CREATE_MIN_SEVERITY must be one of ${Object.keys(SEVERITY_RANK).join(', ')}, got "${severity}"`,
    );
  }
  return {
    instanceUrl: url.origin,
    table,
    credentialsSecretId: required(env, 'SERVICENOW_CREDENTIALS_SECRET_ID'),
    progressTable: required(env, 'SERVICENOW_PROGRESS_TABLE'),
    createMinimumSeverity: severity as keyof typeof SEVERITY_RANK,
    closeCode: optionalString(env, 'SERVICENOW_CLOSE_CODE') ?? profile.clearedCloseCode,
    suppressedCloseCode:
      optionalString(env, 'SERVICENOW_SUPPRESSED_CLOSE_CODE') ?? profile.suppressedCloseCode,
    profile,
    category: optionalString(env, 'SERVICENOW_CATEGORY'),
    assignmentGroup: optionalString(env, 'SERVICENOW_ASSIGNMENT_GROUP'),
    leaseMs:
      numberVar(env, 'SERVICENOW_LEASE_SECONDS', SERVICENOW_DEFAULTS.leaseSeconds, {
        min: 10,
        max: 3600,
        integer: true,
      }) * 1000,
    deadLetterQueueUrl: optionalString(env, 'DEAD_LETTER_QUEUE_URL'),
  };
}
