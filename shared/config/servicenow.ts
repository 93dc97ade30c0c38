/**
 * The ServiceNow follower's settings, read once from the environment (the stack sets them; see
 * infra/constructs/servicenow-follower.ts). Every error names the variable.
 */
import { ConfigError } from '../errors.ts';
import { SEVERITY_RANK } from '../servicenow/incident-fields.ts';
import type { TableProfile } from '../servicenow/table-profile.ts';
import { type Environment, numberVar, optionalString } from './env.ts';
import { DEFAULT_SERVICENOW_TABLE, readServiceNowConnection } from './servicenow-connection.ts';

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
  table: DEFAULT_SERVICENOW_TABLE,
  createMinimumSeverity: 'high',
  leaseSeconds: 120,
} as const;

/** Reads the configuration; throws `ConfigError` naming the first wrong variable. */
export function readServiceNowConfig(env: Environment): ServiceNowConfig {
  const connection = readServiceNowConnection(env);
  const { profile } = connection;
  const severity =
    optionalString(env, 'SERVICENOW_CREATE_MIN_SEVERITY') ?? SERVICENOW_DEFAULTS.createMinimumSeverity;
  if (!(severity in SEVERITY_RANK)) {
    throw new ConfigError(
      `SERVICENOW_CREATE_MIN_SEVERITY must be one of ${Object.keys(SEVERITY_RANK).join(', ')}, got "${severity}"`,
    );
  }
  return {
    ...connection,
    createMinimumSeverity: severity as keyof typeof SEVERITY_RANK,
    closeCode: optionalString(env, 'SERVICENOW_CLOSE_CODE') ?? profile.clearedCloseCode,
    suppressedCloseCode:
      optionalString(env, 'SERVICENOW_SUPPRESSED_CLOSE_CODE') ?? profile.suppressedCloseCode,
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
