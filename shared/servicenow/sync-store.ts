/**
 * What the decision sync remembers between runs, in the follower's progress table (partition key
 * `correlationId`, under keys no occurrence can take: occurrences start with a tenant host):
 * - `servicenow-sync/watermark`: the newest `sys_updated_on` of the records read so far, only
 *   ever moved forward, and until when ServiceNow asked the sync to wait (`Retry-After`);
 * - `servicenow-sync/decision/<sys_id>/<close code>`: one item per decision applied, written with
 *   a condition, so a record read again (the overlap, a run that crashed before saving its
 *   watermark) is never applied twice.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** Where the sync stands. */
export interface SyncState {
  /** `sys_updated_on` (ServiceNow's `yyyy-MM-dd HH:mm:ss`, UTC) of the newest record read; undefined before the first run. */
  readonly watermark: string | undefined;
  /** Epoch ms before which ServiceNow's rate limit asked not to call again. */
  readonly pausedUntil: number | undefined;
}

/** What became of one decision. */
export interface AppliedDecision {
  readonly outcome: 'exception' | 'unmapped' | 'refused';
  readonly exceptionId?: string | undefined;
  readonly number?: string | undefined;
  readonly at: number;
}

/** The sync's memory. */
export interface SyncStore {
  read(): Promise<SyncState>;
  /** Moves the watermark to `watermark` if it is newer. */
  advance(watermark: string): Promise<void>;
  pause(until: number): Promise<void>;
  /** Whether the decision `key` was applied already. */
  applied(key: string): Promise<boolean>;
  /** Records the decision `key`; false when it was recorded already (someone else applied it). */
  markApplied(key: string, decision: AppliedDecision): Promise<boolean>;
}

const WATERMARK_KEY = 'servicenow-sync/watermark';
const DECISION_PREFIX = 'servicenow-sync/decision/';
/** Decision items stay two years (an exception lasts one at most), then DynamoDB's TTL removes them. */
const RETENTION_SECONDS = 2 * 366 * 24 * 3600;

/** The sync's memory in DynamoDB. */
export class DynamoDbSyncStore implements SyncStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async read(): Promise<SyncState> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { correlationId: WATERMARK_KEY }, ConsistentRead: true }),
    );
    return {
      watermark: typeof Item?.watermark === 'string' ? Item.watermark : undefined,
      pausedUntil: typeof Item?.pausedUntil === 'number' ? Item.pausedUntil : undefined,
    };
  }

  async advance(watermark: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { correlationId: WATERMARK_KEY },
          UpdateExpression: 'SET watermark = :watermark',
          ConditionExpression: 'attribute_not_exists(watermark) OR watermark < :watermark',
          ExpressionAttributeValues: { ':watermark': watermark },
        }),
      );
    } catch (error) {
      // Already at or past it: a watermark never moves back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async pause(until: number): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { correlationId: WATERMARK_KEY },
        UpdateExpression: 'SET pausedUntil = :until',
        ExpressionAttributeValues: { ':until': until },
      }),
    );
  }

  async applied(key: string): Promise<boolean> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { correlationId: `${DECISION_PREFIX}${key}` },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async markApplied(key: string, decision: AppliedDecision): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            correlationId: `${DECISION_PREFIX}${key}`,
            outcome: decision.outcome,
            ...(decision.exceptionId ? { exceptionId: decision.exceptionId } : {}),
            ...(decision.number ? { number: decision.number } : {}),
            appliedAt: new Date(decision.at).toISOString(),
            expiresAt: Math.floor(decision.at / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(correlationId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
