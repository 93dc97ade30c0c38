/**
 * Composes the tagger's and the coverage sweep's adapters from configuration, so the Lambdas and
 * the CLI apply backup events the same way.
 */

import type { AwsClients } from '../aws/clients.ts';
import {
  DEFAULT_LOCKING,
  type ProtectionPorts,
  type ProtectionSettings,
} from '../backup/apply-protection.ts';
import { FallbackLookups } from '../backup/fallback-lookups.ts';
import { liveTagWriter } from '../backup/store-tags.ts';
import type { Clock } from '../clock.ts';
import type { DspmConfig } from '../config/dspm.ts';
import type { Environment } from '../config/env.ts';
import type { PublishingConfig } from '../config/publishing.ts';
import { readTaggerConfig, type TaggerConfig } from '../config/tagger.ts';
import type { DspmClient } from '../dspm/client.ts';
import type { TokenProvider } from '../dspm/token-provider.ts';
import { type DeadLetterSink, SqsDeadLetterSink } from '../events/dead-letter.ts';
import type { EventSink } from '../events/sink.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import type { Logger } from '../logger.ts';
import { CatalogCache } from '../risk/catalog-cache.ts';
import type { StateStore } from '../state/state-store.ts';
import { createBridgeRuntime, requireSink } from './bridge-runtime.ts';

/** Everything the tagger needs, built once. */
export interface TaggerRuntime {
  readonly dspmConfig: DspmConfig;
  readonly publishing: PublishingConfig;
  readonly taggerConfig: TaggerConfig;
  readonly dspm: DspmClient;
  readonly tokens: TokenProvider;
  readonly state: StateStore;
  /** People's exceptions, applied to the `unprotected` finding. */
  readonly exceptions: ExceptionStore;
  readonly catalog: CatalogCache;
  /** DSPM lookups for resources the state does not know, remembered for the runtime's life. */
  readonly lookups: FallbackLookups;
  readonly eventBridgeSink: EventSink | undefined;
  readonly deadLetters: DeadLetterSink | undefined;
}

/**
 * Reads the configuration and builds the adapters (the DSPM, state and bus parts are the poller's).
 * @throws ConfigError naming what is missing or wrong.
 */
export function createTaggerRuntime(
  env: Environment,
  options: { aws: AwsClients; logger: Logger; clock: Clock; stateFile?: string | undefined },
): TaggerRuntime {
  // Its own runtime: the shared adapters and the tagger's settings, never the poller's.
  const base = createBridgeRuntime(env, options);
  const taggerConfig = readTaggerConfig(env);
  return {
    dspmConfig: base.dspmConfig,
    publishing: base.publishing,
    taggerConfig,
    dspm: base.dspm,
    tokens: base.tokens,
    state: base.state,
    exceptions: base.exceptions,
    catalog: new CatalogCache(base.dspm, options.clock),
    lookups: new FallbackLookups(options.clock),
    eventBridgeSink: base.eventBridgeSink,
    deadLetters: taggerConfig.deadLetterQueueUrl
      ? new SqsDeadLetterSink(options.aws.sqs, taggerConfig.deadLetterQueueUrl)
      : undefined,
  };
}

/** What the tagger writes through: the state, the exceptions and DSPM's tags. */
export interface ProtectionWrites {
  readonly state: StateStore;
  readonly exceptions: ExceptionStore;
  readonly tagWriter: typeof liveTagWriter;
}

/** The runtime's own stores and the live tag writer: what the Lambdas write through. */
export function liveProtectionWrites(runtime: TaggerRuntime): ProtectionWrites {
  return { state: runtime.state, exceptions: runtime.exceptions, tagWriter: liveTagWriter };
}

/**
 * The ports and settings `applyBackupObservation` takes. A dry run is another choice of `writes`
 * (shared/roots/cli-ports.ts), made by the CLI's root, never a flag here.
 */
export function protectionWiring(
  runtime: TaggerRuntime,
  sink: EventSink,
  options: { clock: Clock; logger: Logger },
  writes: ProtectionWrites = liveProtectionWrites(runtime),
): { ports: ProtectionPorts & { state: StateStore }; settings: ProtectionSettings } {
  const tenant = runtime.dspmConfig.tenant.host;
  const { state } = writes;
  const tagPorts = { dspm: runtime.dspm, state, clock: options.clock, tenant, catalog: runtime.catalog };
  const tag = runtime.taggerConfig.tag;
  return {
    ports: {
      dspm: runtime.dspm,
      state,
      sink,
      catalog: runtime.catalog,
      lookups: runtime.lookups,
      exceptions: writes.exceptions,
      tags: writes.tagWriter(tagPorts, tag),
      clock: options.clock,
      logger: options.logger,
      tenant,
    },
    settings: {
      tag,
      source: runtime.publishing.source,
      test: runtime.publishing.test,
      mappings: runtime.taggerConfig.mappings,
      unprotectedFinding: runtime.taggerConfig.unprotectedFinding,
      ...DEFAULT_LOCKING,
    },
  };
}

/**
 * The runtime, ports and settings a tagger Lambda runs with (the tagger and the coverage sweep):
 * the live stores and the configured bus. The CLI builds its own (cli/tagger-wiring.ts).
 * @throws ConfigError when the configuration is wrong, or no bus is configured.
 */
export function createTaggerWiring(
  env: Environment,
  options: { aws: AwsClients; logger: Logger; clock: Clock; stateFile?: string | undefined },
) {
  const runtime = createTaggerRuntime(env, options);
  return { runtime, ...protectionWiring(runtime, requireSink(runtime), options) };
}
