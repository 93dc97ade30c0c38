/**
 * The poller's runtime, so the Lambda and the CLI run the same use case with the same wiring: the
 * shared adapters (bridge-runtime.ts: DSPM client, state store, EventBridge sink) and the poller's
 * own settings (watched fields, bands, deltas, lease).
 */
import { type BridgeRuntime, type BridgeRuntimeOptions, createBridgeRuntime } from '../bridge-runtime.ts';
import type { Environment } from '../config/env.ts';
import { type PollerConfig, readPollerConfig } from '../config/poll.ts';

export { requireSink } from '../bridge-runtime.ts';

/** Everything a poll needs, built once (a Lambda cold start, a CLI run). */
export interface PollerRuntime extends BridgeRuntime {
  readonly pollerConfig: PollerConfig;
}

/** Options of `createPollerRuntime`. */
export type PollerRuntimeOptions = BridgeRuntimeOptions;

/**
 * Reads the configuration and builds the adapters: the shared ones, and the poller's settings.
 * @throws ConfigError naming what is missing or wrong.
 */
export function createPollerRuntime(env: Environment, options: PollerRuntimeOptions): PollerRuntime {
  const base = createBridgeRuntime(env, options);
  return { ...base, pollerConfig: readPollerConfig(env, base.publishing) };
}
