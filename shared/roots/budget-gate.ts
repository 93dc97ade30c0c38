/**
 * Which side of the budget on demand (on-demand-budget.ts) a function takes, from its environment,
 * and the gate its rate limiter asks before each request:
 *
 * - `DSPM_RATE_BUDGET_MODE`: `static` (the static share alone, shared/budget/static-split.ts), `holder`
 *   (the poller: the whole limit while nobody else needs it) or `demander` (the tagger, the sweep:
 *   its static share after the hand-over). Unset, it is `demander` when the environment names the
 *   state table and the tenant's limit (a CLI run with the deployed environment: it must not
 *   spend the budget behind the deployed poller's back), else `static`.
 * - `DSPM_TENANT_RATE_LIMIT_RPS`: the tenant's whole limit, which the holder paces at.
 * - `DSPM_RATE_LIMIT_RPS` stays the static share, the fallback; `STATE_TABLE_NAME` holds the item.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BudgetItem, DynamoDbBudgetItem } from '../budget/budget-item.ts';
import { DemandShare } from '../budget/demand-share.ts';
import { BUDGET_TIMING, type BudgetTiming, type RateBudgetGate } from '../budget/on-demand-budget.ts';
import { pollOnlyBudget } from '../budget/static-split.ts';
import { WholeBudgetLease } from '../budget/whole-budget-lease.ts';
import { type Clock, systemClock } from '../clock.ts';
import { type Environment, numberVar, optionalString } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** The modes of `DSPM_RATE_BUDGET_MODE`. */
export const RATE_BUDGET_MODES = ['static', 'holder', 'demander'] as const;

/** A function's side of the budget. */
export interface BudgetConfig {
  readonly mode: (typeof RATE_BUDGET_MODES)[number];
  /** The tenant's whole limit (the holder's pace); undefined in `static` mode. */
  readonly tenantRps: number | undefined;
  readonly stateTableName: string | undefined;
}

/** @throws ConfigError naming the variable that is wrong. */
export function readBudgetConfig(env: Environment): BudgetConfig {
  const stateTableName = optionalString(env, 'STATE_TABLE_NAME');
  const limit = numberVar(env, 'DSPM_TENANT_RATE_LIMIT_RPS', Number.NaN, { min: 1, max: 1000 });
  const tenantRps = Number.isNaN(limit) ? undefined : limit;
  const deployed = stateTableName !== undefined && tenantRps !== undefined;
  const raw = optionalString(env, 'DSPM_RATE_BUDGET_MODE') ?? (deployed ? 'demander' : 'static');
  const mode = RATE_BUDGET_MODES.find((known) => known === raw);
  if (!mode)
    throw new ConfigError(
      `DSPM_RATE_BUDGET_MODE must be one of ${RATE_BUDGET_MODES.join(', ')}, got "${raw}"`,
    );
  if (mode === 'holder' && tenantRps === undefined)
    throw new ConfigError(
      'DSPM_TENANT_RATE_LIMIT_RPS is not set; the budget holder paces at the whole limit',
    );
  return { mode, tenantRps, stateTableName };
}

/** What the gate is built from. */
export interface BudgetGateDependencies {
  readonly dynamoDb: () => DynamoDBDocumentClient;
  readonly logger: Logger;
  readonly tenant: string;
  readonly role: string;
  readonly staticRps: number;
  readonly clock?: Clock;
  readonly timing?: BudgetTiming;
  /** Replaces the state table's item (tests, the bench's counting). */
  readonly item?: BudgetItem;
}

/**
 * The gate for this function, or undefined for the static share alone (`static` mode, or no state
 * table: then one log line says so).
 */
export function budgetGateFor(
  config: BudgetConfig,
  deps: BudgetGateDependencies,
): RateBudgetGate | undefined {
  if (config.mode === 'static') return undefined;
  const { logger, tenant, role, staticRps } = deps;
  if (!config.stateTableName && !deps.item) {
    logger.warn('rate budget: coordination failed; pacing at the static share', {
      tenant,
      role,
      failed: 'finding the rate-budget item',
      reason: 'STATE_TABLE_NAME is not set',
      staticRps,
    });
    return undefined;
  }
  const item =
    deps.item ??
    new DynamoDbBudgetItem({ client: deps.dynamoDb(), tableName: config.stateTableName as string, tenant });
  const participant = {
    clock: deps.clock ?? systemClock,
    logger,
    tenant,
    role,
    staticRps,
    timing: deps.timing ?? BUDGET_TIMING,
  };
  if (config.mode === 'demander') return new DemandShare({ ...participant, item });
  const wholeRps = Math.max(staticRps, pollOnlyBudget(config.tenantRps as number));
  return new WholeBudgetLease({ ...participant, item, wholeRps, holder: `${role}-${randomUUID()}` });
}
