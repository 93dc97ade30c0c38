/**
 * The adapters every function shares, built once per cold start (or CLI run): the DSPM client and
 * its token provider, the state store, and the EventBridge sink. Each function's runtime adds its
 * own configuration on top (poller-runtime.ts, tagger-runtime.ts beside this file), so one function's
 * bad setting never stops another.
 */
import type { AwsClients } from '../aws/clients.ts';
import { type DspmConfig, readDspmConfig } from '../config/dspm.ts';
import { booleanVar, type Environment, optionalString } from '../config/env.ts';
import { type PublishingConfig, readPublishingConfig } from '../config/publishing.ts';
import type { DspmClient } from '../dspm/client.ts';
import { createDspmClient } from '../dspm/create-client.ts';
import { type TokenProvider, tokenProviderFor } from '../dspm/token-provider.ts';
import { ConfigError } from '../errors.ts';
import { EventBridgeSink } from '../events/eventbridge-sink.ts';
import type { EventSink } from '../events/sink.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import type { Logger } from '../logger.ts';
import { DynamoDbExceptionStore } from '../state/dynamodb-exceptions.ts';
import { DynamoDbStateStore } from '../state/dynamodb-store.ts';
import { FileStateStore } from '../state/file-store.ts';
import type { StateStore } from '../state/state-store.ts';
import { type BudgetConfig, budgetGateFor, readBudgetConfig } from './budget-gate.ts';

/** The shared adapters and the configuration they came from. */
export interface BridgeRuntime {
  readonly dspmConfig: DspmConfig;
  readonly publishing: PublishingConfig;
  readonly dspm: DspmClient;
  /** Where the DSPM token comes from, checked before a run ("token not set yet"). */
  readonly tokens: TokenProvider;
  readonly state: StateStore;
  /**
   * People's exceptions: in the state file beside the state, or in the state table with their
   * audit trail in `EXCEPTION_AUDIT_TABLE_NAME`.
   */
  readonly exceptions: ExceptionStore;
  /** Whether exceptions live in AWS (the deployed table): changes then record the caller's verified identity. */
  readonly exceptionsInAws: boolean;
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

/** The adapters that do not depend on the tenant: where state lives and where events go. */
export type SharedAdapters = Pick<
  BridgeRuntime,
  'publishing' | 'state' | 'exceptions' | 'exceptionsInAws' | 'eventBridgeSink'
>;

/** One tenant's adapters: its configuration, its DSPM client (with its own rate limiter) and its token. */
export type TenantAdapters = Pick<BridgeRuntime, 'dspmConfig' | 'dspm' | 'tokens'>;

/**
 * Reads the shared configuration and builds the adapters.
 * @throws ConfigError naming what is missing or wrong.
 */
export function createBridgeRuntime(env: Environment, options: BridgeRuntimeOptions): BridgeRuntime {
  const dspmConfig = readDspmConfig(env);
  const budget = readBudgetConfig(env);
  return { ...createTenantAdapters(dspmConfig, options, budget), ...createSharedAdapters(env, options) };
}

/**
 * A tenant's token provider and DSPM client. Each call builds new ones: a client paces itself to
 * its own tenant's rate limit, so two tenants never share a limiter.
 */
export function createTenantAdapters(
  dspmConfig: DspmConfig,
  options: Pick<BridgeRuntimeOptions, 'aws' | 'logger'>,
  budgetConfig?: BudgetConfig,
): TenantAdapters {
  const tokens = tokenProviderFor(dspmConfig.tokenSource, options.aws.secretsManager);
  const budget =
    budgetConfig &&
    budgetGateFor(budgetConfig, {
      dynamoDb: () => options.aws.dynamoDb,
      logger: options.logger,
      tenant: dspmConfig.tenant.host,
      role: budgetConfig.mode,
      staticRps: dspmConfig.rateLimitRps,
    });
  const dspm = createDspmClient(dspmConfig, { logger: options.logger, tokens, budget });
  return { dspmConfig, dspm, tokens };
}

/**
 * The state store and the EventBridge sink. Every tenant shares them: state is partitioned by
 * tenant host inside the store, and every event names its tenant.
 * @throws ConfigError when no state table is set and no state file is allowed.
 */
export function createSharedAdapters(env: Environment, options: BridgeRuntimeOptions): SharedAdapters {
  const publishing = readPublishingConfig(env, { test: booleanVar(env, 'DSPM_ALLOW_ANY_HOST', false) });
  let state: StateStore;
  let exceptions: ExceptionStore;
  if (publishing.stateTableName) {
    state = new DynamoDbStateStore({ client: options.aws.dynamoDb, tableName: publishing.stateTableName });
    exceptions = new DynamoDbExceptionStore({
      client: options.aws.dynamoDb,
      tableName: publishing.stateTableName,
      auditTableName: optionalString(env, 'EXCEPTION_AUDIT_TABLE_NAME'),
    });
  } else if (options.stateFile !== undefined) {
    const file = new FileStateStore(options.stateFile);
    state = file;
    exceptions = file;
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
  return {
    publishing,
    state,
    exceptions,
    exceptionsInAws: publishing.stateTableName !== undefined,
    eventBridgeSink,
  };
}

/** The sink to publish to. @throws ConfigError when no bus is configured. */
export function requireSink(runtime: { readonly eventBridgeSink: EventSink | undefined }): EventSink {
  if (!runtime.eventBridgeSink)
    throw new ConfigError('EVENT_BUS_NAME is not set; it names the bus events are published to');
  return runtime.eventBridgeSink;
}
