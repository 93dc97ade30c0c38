/**
 * Composes the poller's adapters from configuration, so the Lambda and the CLI run the same use
 * case with the same wiring: the DSPM client, the state store (DynamoDB, or a file for the CLI)
 * and the sink (EventBridge, or NDJSON for a dry run).
 */
import type { AwsClients } from '../aws/clients.ts';
import { type DspmConfig, readDspmConfig } from '../config/dspm.ts';
import type { Environment } from '../config/env.ts';
import { type PollerConfig, readPollerConfig } from '../config/poll.ts';
import type { DspmClient } from '../dspm/client.ts';
import { createDspmClient } from '../dspm/create-client.ts';
import { type TokenProvider, tokenProviderFor } from '../dspm/token-provider.ts';
import { ConfigError } from '../errors.ts';
import { EventBridgeSink } from '../events/eventbridge-sink.ts';
import type { EventSink } from '../events/sink.ts';
import type { Logger } from '../logger.ts';
import { DynamoDbStateStore } from '../state/dynamodb-store.ts';
import { FileStateStore } from '../state/file-store.ts';
import type { StateStore } from '../state/records.ts';

/** Everything a poll needs, built once (a Lambda cold start, a CLI run). */
export interface PollerRuntime {
  readonly dspmConfig: DspmConfig;
  readonly pollerConfig: PollerConfig;
  readonly dspm: DspmClient;
  /** Where the client's token comes from (asked first, to tell "token not set yet" apart). */
  readonly tokens: TokenProvider;
  readonly state: StateStore;
  /** The EventBridge sink, or undefined when no bus is configured (the Lambdas then stop; the CLI writes NDJSON). */
  readonly eventBridgeSink: EventBridgeSink | undefined;
}

/** Options of `createPollerRuntime`. */
export interface PollerRuntimeOptions {
  readonly aws: AwsClients;
  readonly logger: Logger;
  /** Where state lives without `STATE_TABLE_NAME`; undefined means a table is required (Lambda). */
  readonly stateFile?: string | undefined;
}

/**
 * Reads the configuration and builds the adapters.
 * @throws ConfigError naming what is missing or wrong.
 */
export function createPollerRuntime(env: Environment, options: PollerRuntimeOptions): PollerRuntime {
  const dspmConfig = readDspmConfig(env);
  // Events from a host that is not a real tenant (the simulator) are test events unless told otherwise.
  const pollerConfig = readPollerConfig(env, { test: dspmConfig.allowAnyHost });
  const tokens = tokenProviderFor(dspmConfig.tokenSource, options.aws.secretsManager);
  const dspm = createDspmClient(dspmConfig, { logger: options.logger, tokens });
  let state: StateStore;
  if (pollerConfig.stateTableName) {
    state = new DynamoDbStateStore({
      client: options.aws.dynamoDb,
      tableName: pollerConfig.stateTableName,
    });
  } else if (options.stateFile !== undefined) {
    state = new FileStateStore(options.stateFile);
  } else {
    throw new ConfigError('STATE_TABLE_NAME is not set; the poller keeps its state in that DynamoDB table');
  }
  const eventBridgeSink = pollerConfig.eventBusName
    ? new EventBridgeSink({
        client: options.aws.eventBridge,
        busName: pollerConfig.eventBusName,
        logger: options.logger,
      })
    : undefined;
  return { dspmConfig, pollerConfig, dspm, tokens, state, eventBridgeSink };
}

/** The sink to publish to. @throws ConfigError when no bus is configured. */
export function requireSink(runtime: { readonly eventBridgeSink: EventSink | undefined }): EventSink {
  if (!runtime.eventBridgeSink)
    throw new ConfigError('EVENT_BUS_NAME is not set; it names the bus events are published to');
  return runtime.eventBridgeSink;
}
