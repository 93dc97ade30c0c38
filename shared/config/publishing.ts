/**
 * What every function needs to publish events and keep state, read apart from the poller's own
 * settings: a wrong `RISK_BANDS` is the poller's problem and must not stop the tagger at cold start.
 */
import { DEFAULT_EVENT_SOURCE } from '../events/detail-types.ts';
import { booleanVar, type Environment, optionalString } from './env.ts';

/** Where events and state go. */
export interface PublishingConfig {
  /** `EVENT_BUS_NAME`: the bus events go to (required to publish; a dry run needs none). */
  readonly eventBusName: string | undefined;
  /** `STATE_TABLE_NAME`: the DynamoDB state table; unset means a local state file (CLI only). */
  readonly stateTableName: string | undefined;
  /** `EVENT_SOURCE`: the events' `Source`. */
  readonly source: string;
  /** `EVENT_TEST_MODE`: events are marked `"test": true`. */
  readonly test: boolean;
}

/**
 * Reads `EVENT_BUS_NAME`, `STATE_TABLE_NAME`, `EVENT_SOURCE` and `EVENT_TEST_MODE`.
 * @param defaults.test events from a host that is not a real tenant (the simulator) are test
 *   events unless `EVENT_TEST_MODE` says otherwise.
 * @throws ConfigError naming the variable that is wrong.
 */
export function readPublishingConfig(env: Environment, defaults: { test: boolean }): PublishingConfig {
  return {
    eventBusName: optionalString(env, 'EVENT_BUS_NAME'),
    stateTableName: optionalString(env, 'STATE_TABLE_NAME'),
    source: optionalString(env, 'EVENT_SOURCE') ?? DEFAULT_EVENT_SOURCE,
    test: booleanVar(env, 'EVENT_TEST_MODE', defaults.test),
  };
}
