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
import { dryRunTagWriter, liveTagWriter } from '../backup/store-tags.ts';
import type { Clock } from '../clock.ts';
import type { DspmConfig } from '../config/dspm.ts';
import type { Environment } from '../config/env.ts';
import type { PublishingConfig } from '../config/publishing.ts';
import { readTaggerConfig, type TaggerConfig } from '../config/tagger.ts';
import type { DspmClient } from '../dspm/client.ts';
import type { TokenProvider } from '../dspm/token-provider.ts';
import { type DeadLetterSink, SqsDeadLetterSink } from '../events/dead-letter.ts';
import { NdjsonSink } from '../events/ndjson-sink.ts';
import type { EventSink } from '../events/sink.ts';
import { DryRunExceptionStore } from '../exceptions/dry-run-exceptions.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import type { Logger } from '../logger.ts';
import { CatalogCache } from '../risk/catalog-cache.ts';
import { DryRunStateStore } from '../state/dry-run-store.ts';
import type { StateStore } from '../state/records.ts';
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

/**
 * The ports and settings `applyBackupObservation` takes. A dry run is a choice of ports made
 * here: a state that writes nothing and a tag writer that only looks the tag up (the caller
 * passes a sink that publishes nothing).
 */
export function protectionWiring(
  runtime: TaggerRuntime,
  sink: EventSink,
  options: { clock: Clock; logger: Logger; dryRun: boolean },
): { ports: ProtectionPorts & { state: StateStore }; settings: ProtectionSettings } {
  const tenant = runtime.dspmConfig.tenant.host;
  const state = options.dryRun ? new DryRunStateStore(runtime.state) : runtime.state;
  const tagPorts = { dspm: runtime.dspm, state, clock: options.clock, tenant, catalog: runtime.catalog };
  const tag = runtime.taggerConfig.tag;
  return {
    ports: {
      dspm: runtime.dspm,
      state,
      sink,
      catalog: runtime.catalog,
      lookups: runtime.lookups,
      exceptions: options.dryRun ? new DryRunExceptionStore(runtime.exceptions) : runtime.exceptions,
      tags: options.dryRun ? dryRunTagWriter(tagPorts, tag) : liveTagWriter(tagPorts, tag),
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
 * The runtime, ports and settings a tagger entry point runs with (the two Lambdas and the CLI's
 * `backup-event` and `coverage`): a dry run gets a sink that publishes nothing, anything else the
 * configured bus.
 * @throws ConfigError when the configuration is wrong, or no bus is configured for a real run.
 */
export function createTaggerWiring(
  env: Environment,
  options: { aws: AwsClients; logger: Logger; clock: Clock; dryRun: boolean; stateFile?: string | undefined },
) {
  const runtime = createTaggerRuntime(env, options);
  const sink = options.dryRun ? new NdjsonSink(() => {}) : requireSink(runtime);
  return { runtime, ...protectionWiring(runtime, sink, options) };
}
