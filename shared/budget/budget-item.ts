/**
 * The tenant's rate-budget item in the state table (`sk = budget#rate`, table-design.ts), the one
 * place the functions learn of each other. Three numbers, all epoch milliseconds on the writer's
 * clock: `leaseUntil` (the whole-budget holder may pace at the whole limit until then), `holder`
 * (which process holds it) and `demandUntil` (until when another consumer needs its share).
 *
 * Every call is one conditional or plain UpdateItem on an item far under 1 KB: one write unit,
 * whether the condition holds or not (docs/operations.md, "Who gets the rate budget").
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RATE_BUDGET_SORT_KEY, STATE_TABLE, tenantPartition } from '../state/table-design.ts';

/** What a claim of the whole budget found. */
export type WholeClaim =
  | { readonly held: true }
  /** Someone else needs the budget (or holds it) until `busyUntilMs`, when known. */
  | { readonly held: false; readonly busyUntilMs: number | undefined };

/** The rate-budget item as the budget uses it. */
export interface BudgetItem {
  /**
   * Takes or renews the whole-budget lease until `untilMs`, unless another consumer's demand is
   * live at `nowMs` or another holder's lease is.
   */
  claimWhole(holder: string, nowMs: number, untilMs: number): Promise<WholeClaim>;
  /** Announces demand until `untilMs`; answers until when a holder may use the whole budget (0: none). */
  announceDemand(untilMs: number): Promise<{ readonly leaseUntilMs: number }>;
}

/** The rate-budget item of one tenant in the state table. */
export class DynamoDbBudgetItem implements BudgetItem {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #key: Record<string, string>;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; tenant: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#key = {
      [STATE_TABLE.partitionKey]: tenantPartition(options.tenant),
      [STATE_TABLE.sortKey]: RATE_BUDGET_SORT_KEY,
    };
  }

  async claimWhole(holder: string, nowMs: number, untilMs: number): Promise<WholeClaim> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: this.#key,
          UpdateExpression: 'SET holder = :holder, leaseUntil = :until',
          ConditionExpression:
            '(attribute_not_exists(demandUntil) OR demandUntil < :now) AND (attribute_not_exists(leaseUntil) OR holder = :holder OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':holder': holder, ':until': untilMs, ':now': nowMs },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { held: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = (error.Item ?? {}) as { demandUntil?: { N?: string }; leaseUntil?: { N?: string } };
      const busy = Math.max(Number(old.demandUntil?.N ?? 0), Number(old.leaseUntil?.N ?? 0));
      return { held: false, busyUntilMs: busy > 0 ? busy : undefined };
    }
  }

  async announceDemand(untilMs: number): Promise<{ readonly leaseUntilMs: number }> {
    const answer = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: this.#key,
        UpdateExpression: 'SET demandUntil = :until',
        ExpressionAttributeValues: { ':until': untilMs },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { leaseUntilMs: Number(answer.Attributes?.leaseUntil ?? 0) };
  }
}
