/**
 * The poller's runtime, so the Lambda and the CLI run the same use case with the same wiring: the
 * shared adapters (bridge-runtime.ts: state store, EventBridge sink), one set of DSPM adapters per
 * tenant (config/tenants.ts: `DSPM_TENANTS`, or the single `DSPM_TENANT_URL`), and the poller's
 * own settings (watched fields, bands, deltas, lease).
 */

import type { DspmConfig } from '../config/dspm.ts';
import type { Environment } from '../config/env.ts';
import { type PollerConfig, readPollerConfig } from '../config/poll.ts';
import { readTenantConfigs } from '../config/tenants.ts';
import { ConfigError } from '../errors.ts';
import {
  type BridgeRuntime,
  type BridgeRuntimeOptions,
  createSharedAdapters,
  createTenantAdapters,
  type TenantAdapters,
} from './bridge-runtime.ts';
import { type BudgetConfig, readBudgetConfig } from './budget-gate.ts';

export type { TenantAdapters } from './bridge-runtime.ts';
export { requireSink } from './bridge-runtime.ts';

/**
 * Everything a poll needs, built once (a Lambda cold start, a CLI run). The `BridgeRuntime`
 * fields (`dspm`, `tokens`, `dspmConfig`) are the first tenant's, for the callers that poll one
 * tenant (the CLI); `tenants` has every configured one.
 */
export interface PollerRuntime extends BridgeRuntime {
  readonly pollerConfig: PollerConfig;
  readonly tenants: TenantRuntimes;
}

/** The configured tenants' adapters, by host. */
export interface TenantRuntimes {
  /** Every configured host, in the configured order. */
  readonly hosts: readonly string[];
  /**
   * The tenant's adapters, built on first use and kept for the process (a warm Lambda reuses its
   * token cache, its rate limiter's learned pace and its connections).
   * @throws UnknownTenantError when `host` is not configured, naming the hosts that are.
   */
  get(host: string): TenantAdapters;
}

/** A task named a tenant this function is not configured for. */
export class UnknownTenantError extends ConfigError {}

/** Options of `createPollerRuntime`. */
export type PollerRuntimeOptions = BridgeRuntimeOptions;

/**
 * Reads the configuration and builds the adapters: the shared ones, the tenants', and the poller's
 * settings.
 * @throws ConfigError naming what is missing or wrong.
 */
export function createPollerRuntime(env: Environment, options: PollerRuntimeOptions): PollerRuntime {
  const configs = readTenantConfigs(env);
  const shared = createSharedAdapters(env, options);
  const tenants = tenantRuntimes(configs, options, readBudgetConfig(env));
  const first = tenants.get(tenants.hosts[0] as string);
  return { ...first, ...shared, tenants, pollerConfig: readPollerConfig(env, shared.publishing) };
}

/** A lazily built, per-host cache of tenant adapters. */
export function tenantRuntimes(
  configs: readonly DspmConfig[],
  options: Pick<BridgeRuntimeOptions, 'aws' | 'logger'>,
  budget?: BudgetConfig,
): TenantRuntimes {
  const byHost = new Map(configs.map((config) => [config.tenant.host, config]));
  const built = new Map<string, TenantAdapters>();
  const hosts = [...byHost.keys()];
  return {
    hosts,
    get(host) {
      const key = host.trim().toLowerCase();
      const cached = built.get(key);
      if (cached) return cached;
      const config = byHost.get(key);
      if (!config) {
        throw new UnknownTenantError(
          `tenant "${host.slice(0, 200)}" is not configured for this poller; configured: ${hosts.join(', ')} (DSPM_TENANTS)`,
        );
      }
      // Only the first tenant is shared with the tagger and the sweep (shared/budget/static-split.ts).
      const adapters = createTenantAdapters(config, options, key === hosts[0] ? budget : undefined);
      built.set(key, adapters);
      return adapters;
    },
  };
}
