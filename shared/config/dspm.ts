/**
 * The DSPM side of the runtime contract (`DSPM_*` variables), read once into one typed object.
 */

import { parseTenantUrl, type Tenant } from '../dspm/tenant-url.ts';
import { ConfigError } from '../errors.ts';
import { Secret } from '../secret.ts';
import { booleanVar, type Environment, numberVar, optionalString } from './env.ts';
import { type ProxySettings, readProxySettings } from './proxy.ts';

/** Where the token comes from. */
export type TokenSource =
  | { readonly kind: 'value'; readonly token: Secret }
  | { readonly kind: 'secrets-manager'; readonly secretId: string };

/** Everything the DSPM client needs from the environment. */
export interface DspmConfig {
  readonly tenant: Tenant;
  readonly tokenSource: TokenSource;
  /** `DSPM_RATE_LIMIT_RPS`: our pace, at or under the tenant's global rate limit. */
  readonly rateLimitRps: number;
  /** `DSPM_PAGE_SIZE`: items per list page. */
  readonly pageSize: number;
  /** `DSPM_CONCURRENCY`: most pages in flight during a listing. */
  readonly concurrency: number;
  /** `DSPM_TIMEOUT_MS`: per attempt. */
  readonly timeoutMs: number;
  /** `DSPM_CA_BUNDLE`: extra CA certificates (TLS inspection). */
  readonly caBundlePath: string | undefined;
  /** `DSPM_ALLOW_ANY_HOST`: local testing against the simulator. */
  readonly allowAnyHost: boolean;
  /** `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (and lower-case forms): how the tenant is reached. */
  readonly proxy: ProxySettings;
}

/** Defaults for the optional variables. */
export const DSPM_CONFIG_DEFAULTS = {
  rateLimitRps: 5,
  pageSize: 100,
  concurrency: 16,
  timeoutMs: 30_000,
} as const;

/** The settings every tenant's client shares: everything in `DspmConfig` but the tenant and its token. */
export type DspmSettings = Omit<DspmConfig, 'tenant' | 'tokenSource'>;

/**
 * Reads and checks the `DSPM_*` variables and the proxy variables the client's HTTP stack reads.
 * @throws ConfigError naming the first variable that is missing or wrong.
 */
export function readDspmConfig(env: Environment): DspmConfig {
  const allowAnyHost = booleanVar(env, 'DSPM_ALLOW_ANY_HOST', false);
  const tenantUrl = optionalString(env, 'DSPM_TENANT_URL');
  if (tenantUrl === undefined)
    throw new ConfigError('DSPM_TENANT_URL is not set; expected https://<tenant>.goskope.com');
  const settings = readDspmSettings(env);
  return {
    ...settings,
    tenant: parseTenantUrl(tenantUrl, { allowAnyHost }),
    tokenSource: readTokenSource(env),
  };
}

/**
 * Reads the tenant-independent `DSPM_*` variables (pace, page size, concurrency, timeout, CA
 * bundle, `DSPM_ALLOW_ANY_HOST`) and the proxy variables. config/tenants.ts lays each
 * tenant of `DSPM_TENANTS` over these.
 * @throws ConfigError naming the first variable that is wrong.
 */
export function readDspmSettings(env: Environment): DspmSettings {
  const proxy = readProxySettings(env);
  return {
    rateLimitRps: numberVar(env, 'DSPM_RATE_LIMIT_RPS', DSPM_CONFIG_DEFAULTS.rateLimitRps, {
      min: 0.1,
      max: 1000,
    }),
    pageSize: numberVar(env, 'DSPM_PAGE_SIZE', DSPM_CONFIG_DEFAULTS.pageSize, {
      min: 1,
      max: 1000,
      integer: true,
    }),
    concurrency: numberVar(env, 'DSPM_CONCURRENCY', DSPM_CONFIG_DEFAULTS.concurrency, {
      min: 1,
      max: 64,
      integer: true,
    }),
    timeoutMs: numberVar(env, 'DSPM_TIMEOUT_MS', DSPM_CONFIG_DEFAULTS.timeoutMs, {
      min: 100,
      max: 300_000,
      integer: true,
    }),
    caBundlePath: optionalString(env, 'DSPM_CA_BUNDLE'),
    allowAnyHost: booleanVar(env, 'DSPM_ALLOW_ANY_HOST', false),
    proxy,
  };
}

function readTokenSource(env: Environment): TokenSource {
  const token = optionalString(env, 'DSPM_API_TOKEN');
  const secretId = optionalString(env, 'DSPM_API_TOKEN_SECRET_ID');
  if (token !== undefined && secretId !== undefined) {
    throw new ConfigError('set one of DSPM_API_TOKEN and DSPM_API_TOKEN_SECRET_ID, not both');
  }
  if (token !== undefined) return { kind: 'value', token: new Secret(token) };
  if (secretId !== undefined) return { kind: 'secrets-manager', secretId };
  throw new ConfigError(
    'no API token: set DSPM_API_TOKEN (local runs) or DSPM_API_TOKEN_SECRET_ID (a Secrets Manager secret)',
  );
}
