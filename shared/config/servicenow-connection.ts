/**
 * What the ServiceNow follower and the decision sync both need to reach the same table: the
 * instance, the table and its profile, the credentials and the progress table they share. Read in
 * one place so the two functions accept and refuse exactly the same values.
 */
import { ConfigError } from '../errors.ts';
import { profileFor, type TableProfile } from '../servicenow/table-profile.ts';
import { type Environment, optionalString, requiredString } from './env.ts';

/** The default table: ITSM incidents. */
export const DEFAULT_SERVICENOW_TABLE = 'incident';

/** The instance and table one ServiceNow function talks to. */
export interface ServiceNowConnection {
  /** The instance's origin (`https://acme.service-now.com`), path and query dropped. */
  readonly instanceUrl: string;
  readonly table: string;
  readonly profile: TableProfile;
  readonly credentialsSecretId: string;
  /** The follower's progress table (the sync keeps its watermark there too). */
  readonly progressTable: string;
}

/** Reads the connection; throws `ConfigError` naming the first wrong variable. */
export function readServiceNowConnection(env: Environment): ServiceNowConnection {
  const instanceUrl = requiredString(env, 'SERVICENOW_INSTANCE_URL');
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new ConfigError(`SERVICENOW_INSTANCE_URL is not a URL: "${instanceUrl}"`);
  }
  if (url.protocol !== 'https:') throw new ConfigError('SERVICENOW_INSTANCE_URL must be https');
  const table = optionalString(env, 'SERVICENOW_TABLE') ?? DEFAULT_SERVICENOW_TABLE;
  if (!/^[a-z][a-z0-9_]*$/.test(table))
    throw new ConfigError(`SERVICENOW_TABLE is not a table name: "${table}"`);
  return {
    instanceUrl: url.origin,
    table,
    profile: profileFor(table),
    credentialsSecretId: requiredString(env, 'SERVICENOW_CREDENTIALS_SECRET_ID'),
    progressTable: requiredString(env, 'SERVICENOW_PROGRESS_TABLE'),
  };
}
