/**
 * The adapters every function shares, built once per cold start (or CLI run): the DSPM client and
 * its token provider, the state store, and the EventBridge sink. Each function's runtime adds its
 * own configuration on top (poll/poller-runtime.ts, backup/tagger-runtime.ts), so one function's
 * bad setting never stops another.
 */
import type { AwsClients } from './aws/clients.ts';
import { type DspmConfig, readDspmConfig } from './config/dspm.ts';
import type { Environment } from './config/env.ts';
import { type PublishingConfig, readPublishingConfig } from './config/publishing.ts';
import type { DspmClient } from './dspm/client.ts';
import { createDspmClient } from './dspm/create-client.ts';
import { type TokenProvider, tokenProviderFor } from './dspm/token-provider.ts';
import { ConfigError } from './errors.ts';
import { EventBridgeSink } from './events/eventbridge-sink.ts';
import type { EventSink } from './events/sink.ts';
import type { Logger } from './logger.ts';
import { DynamoDbStateStore } from './state/dynamodb-store.ts';
import { FileStateStore } from './state/file-store.ts';
import type { StateStore } from './state/records.ts';

/** The shared adapters and the configuration they came from. */
export interface BridgeRuntime {
  readonly dspmConfig: DspmConfig;
  readonly publishing: PublishingConfig;
  readonly dspm: DspmClient;
  /** Where the DSPM token comes from, checked before a run ("token not set yet"). */
  readonly tokens: TokenProvider;
  readonly state: StateStore;
  /** The EventBridge sink, or undefined when no bus is configured. */
  readonly eventBridgeSink: EventBridgeSink | undefined;
}

/** Options of `createBridgeRuntime`. */
export interface BridgeRuntimeOptions {
  readonly aws: AwsClients;
  readonly logger: Logger;
  /** Where state lives without `STATE_TABLE_NAME`; undefined means a table is required (Lambda). */
  readonly stateFile?: string | undefined;
}

/**
 * Reads the shared configuration and builds the adapters.
 * @throws ConfigError naming what is missing or wrong.
 */
export function createBridgeRuntime(env: Environment, options: BridgeRuntimeOptions): BridgeRuntime {
  const dspmConfig = readDspmConfig(env);
  const publishing = readPublishingConfig(env, { test: dspmConfig.allowAnyHost });
  const tokens = tokenProviderFor(dspmConfig.tokenSource, options.aws.secretsManager);
  const dspm = createDspmClient(dspmConfig, { logger: options.logger, tokens });
  let state: StateStore;
  if (publishing.stateTableName) {
    state = new DynamoDbStateStore({ client: options.aws.dynamoDb, tableName: publishing.stateTableName });
  } else if (options.stateFile !== undefined) {
    state = new FileStateStore(options.stateFile);
  } else {
    throw new ConfigError('STATE_TABLE_NAME is not set; the bridge keeps its state in that DynamoDB table');
  }
  const eventBridgeSink = publishing.eventBusName
    ? new EventBridgeSink({
        client: options.aws.eventBridge,
        busName: publishing.eventBusName,
        logger: options.logger,
      })
    : undefined;
  return { dspmConfig, publishing, dspm, tokens, state, eventBridgeSink };
}

/** The sink to publish to. @throws ConfigError when no bus is configured. */
export function requireSink(runtime: { readonly eventBridgeSink: EventSink | undefined }): EventSink {
  if (!runtime.eventBridgeSink)
    throw new ConfigError('EVENT_BUS_NAME is not set; it names the bus events are published to');
  return runtime.eventBridgeSink;
}
