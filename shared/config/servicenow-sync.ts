/**
 * The ServiceNow decision sync's settings, read once from the environment (the stack sets them;
 * see infra/constructs/servicenow-sync.ts). Every error names the variable.
 */
import { ConfigError } from '../errors.ts';
import { type DecisionMapping, parseDecisionMapping } from '../servicenow/decision-mapping.ts';
import type { TableProfile } from '../servicenow/table-profile.ts';
import { type Environment, numberVar, requiredString } from './env.ts';
import { readServiceNowConnection } from './servicenow-connection.ts';

/** The sync's configuration. */
export interface ServiceNowSyncConfig {
  readonly instanceUrl: string;
  readonly profile: TableProfile;
  readonly credentialsSecretId: string;
  /** The follower's progress table, where the sync keeps its watermark and applied decisions. */
  readonly progressTable: string;
  readonly mapping: DecisionMapping;
  readonly overlapMs: number;
  readonly initialLookbackMs: number;
  readonly pageSize: number;
  readonly maxPages: number;
}

/** Reads the configuration; throws `ConfigError` naming the first wrong variable. */
export function readServiceNowSyncConfig(env: Environment): ServiceNowSyncConfig {
  const { instanceUrl, profile, credentialsSecretId, progressTable } = readServiceNowConnection(env);
  let mapping: DecisionMapping;
  try {
    mapping = parseDecisionMapping(
      requiredString(env, 'SERVICENOW_SYNC_CLOSE_CODES'),
      'SERVICENOW_SYNC_CLOSE_CODES',
    );
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError((error as Error).message);
  }
  const whole = (name: string, fallback: number, min: number, max: number) =>
    numberVar(env, name, fallback, { min, max, integer: true });
  return {
    instanceUrl,
    profile,
    credentialsSecretId,
    progressTable,
    mapping,
    overlapMs: whole('SERVICENOW_SYNC_OVERLAP_SECONDS', 120, 0, 3600) * 1000,
    initialLookbackMs: whole('SERVICENOW_SYNC_LOOKBACK_HOURS', 24, 1, 8784) * 3600_000,
    pageSize: whole('SERVICENOW_SYNC_PAGE_SIZE', 100, 1, 1000),
    maxPages: whole('SERVICENOW_SYNC_MAX_PAGES', 10, 1, 100),
  };
}
