/**
 * Where the follower remembers, per finding occurrence (`correlationId`), the last event it
 * applied (`sequence`) and who is applying one right now (a lease). The lease makes two deliveries
 * of one occurrence take turns, even when they run at once, so a record is looked up and created
 * by one of them only; the sequence makes a redelivered or older event change nothing. A holder
 * that died lets go when its lease expires (longer than the function may run).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** What a claim found. */
export interface Claimed {
  /** The last sequence applied to this occurrence; 0 when none was. */
  readonly appliedSequence: number;
  /** The occurrence's round (shared/servicenow/record-key.ts): 1 until its first unsuppress. */
  readonly round: number;
}

/** The progress port. */
export interface FollowProgressStore {
  /** Takes the occurrence for `owner` until `now + leaseMs`; null when another owner holds it. */
  claim(correlationId: string, owner: string, now: number, leaseMs: number): Promise<Claimed | null>;
  /**
   * Lets go; with `applied`, records that sequence as applied (never lowering it). False when
   * `owner` no longer held the lease (it expired and someone else took it).
   */
  release(correlationId: string, owner: string, applied?: AppliedEvent): Promise<boolean>;
}

/** What was applied, kept for operators reading the table. */
export interface AppliedEvent {
  readonly sequence: number;
  readonly eventId: string;
  readonly outcome: string;
  readonly sysId?: string | undefined;
  /** The round the event was applied in (an unsuppress moves to the next). */
  readonly round: number;
  readonly at: number;
}

/** Items stay a year after their last change, then DynamoDB's TTL removes them. */
const RETENTION_SECONDS = 366 * 24 * 3600;

/** The progress table in DynamoDB: partition key `correlationId` (S). */
export class DynamoDbProgressStore implements FollowProgressStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async claim(correlationId: string, owner: string, now: number, leaseMs: number): Promise<Claimed | null> {
    try {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { correlationId },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + leaseMs, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const sequence = result.Attributes?.appliedSequence;
      const round = result.Attributes?.recordRound;
      return {
        appliedSequence: typeof sequence === 'number' ? sequence : 0,
        round: typeof round === 'number' ? round : 1,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async release(correlationId: string, owner: string, applied?: AppliedEvent): Promise<boolean> {
    const values: Record<string, unknown> = { ':owner': owner };
    let update = 'REMOVE leaseOwner, leaseUntil';
    let condition = 'leaseOwner = :owner';
    if (applied) {
      update =
        'SET appliedSequence = :sequence, lastEventId = :eventId, lastOutcome = :outcome, appliedAt = :at, expiresAt = :expires, recordRound = :round' +
        (applied.sysId ? ', sysId = :sysId' : '') +
        ' REMOVE leaseOwner, leaseUntil';
      // Never lower it, even if a lease expired under a slow holder.
      condition += ' AND (attribute_not_exists(appliedSequence) OR appliedSequence < :sequence)';
      Object.assign(values, {
        ':sequence': applied.sequence,
        ':round': applied.round,
        ':eventId': applied.eventId,
        ':outcome': applied.outcome,
        ':at': new Date(applied.at).toISOString(),
        ':expires': Math.floor(applied.at / 1000) + RETENTION_SECONDS,
        ...(applied.sysId ? { ':sysId': applied.sysId } : {}),
      });
    }
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { correlationId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
