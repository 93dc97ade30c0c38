/**
 * The fingerprint index in the state table (see fingerprint-index.ts): one item per bucket of
 * `FINGERPRINT_BUCKET_WIDTH` store ids, its entries packed into one string attribute
 * (`<id>:<digest>` joined by commas: about 25 bytes a store, so a full bucket stays one strongly
 * consistent read unit), and a version every write is conditional on.
 *
 *   pk = tenant#<host>   sk = fpx#<bucket, zero-padded>   entries, version
 *   pk = tenant#<host>   sk = fpxcomplete                 when a full walk of the records vouched for it
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay } from '../backoff.ts';
import type { Clock } from '../clock.ts';
import { TransientError } from '../errors.ts';
import type { FingerprintBucket } from './fingerprint-index.ts';
import { STATE_TABLE, tenantPartition } from './table-design.ts';

/** The sort key of a fingerprint bucket; zero-padded so buckets sort by id range. */
export const fingerprintSortKey = (bucket: number): string =>
  `${BUCKET_PREFIX}${String(bucket).padStart(10, '0')}`;

const BUCKET_PREFIX = 'fpx#';
const COMPLETE_SORT_KEY = 'fpxcomplete';

/** DynamoDB's cap on keys in one BatchGetItem. */
const BATCH_GET_LIMIT = 100;
/** Tries of one BatchGetItem before its unprocessed keys are an error. */
const BATCH_GET_TRIES = 8;

/** Reads and writes one table's fingerprint buckets; `onWrite` counts the items written. */
export class DynamoDbFingerprints {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #onWrite: () => void;

  constructor(client: DynamoDBDocumentClient, table: string, clock: Clock, onWrite: () => void) {
    this.#client = client;
    this.#table = table;
    this.#clock = clock;
    this.#onWrite = onWrite;
  }

  async read(tenant: string, buckets: readonly number[]): Promise<Map<number, FingerprintBucket>> {
    const found = new Map<number, FingerprintBucket>();
    const unique = [...new Set(buckets)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending = unique.slice(start, start + BATCH_GET_LIMIT).map((bucket) => this.#key(tenant, bucket));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const { Responses, UnprocessedKeys } = await this.#client.send(
          // Strongly consistent: an entry the previous lease holder removed must not be seen again.
          new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.#table] ?? []) {
          found.set(Number(item.bucket), {
            version: Number(item.version),
            entries: unpack(String(item.entries)),
          });
        }
        pending = (UnprocessedKeys?.[this.#table]?.Keys ?? []) as typeof pending;
        if (pending.length > 0) {
          if (attempt >= BATCH_GET_TRIES)
            throw new TransientError(
              `DynamoDB left ${pending.length} fingerprint buckets unprocessed after ${BATCH_GET_TRIES} tries`,
            );
          await this.#clock.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2_000 }));
        }
      }
    }
    return found;
  }

  async write(
    tenant: string,
    bucket: number,
    expectedVersion: number,
    entries: ReadonlyMap<number, string>,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...this.#key(tenant, bucket),
            bucket,
            version: expectedVersion + 1,
            entries: pack(entries),
          },
          ...(expectedVersion === 0
            ? {
                ConditionExpression: 'attribute_not_exists(#sk)',
                ExpressionAttributeNames: { '#sk': STATE_TABLE.sortKey },
              }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      this.#onWrite();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async *stream(tenant: string): AsyncIterable<readonly (readonly [number, FingerprintBucket])[]> {
    const pages = paginateQuery(
      { client: this.#client },
      {
        TableName: this.#table,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, '#sk': STATE_TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': tenantPartition(tenant), ':prefix': BUCKET_PREFIX },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      yield (page.Items ?? []).map(
        (item) =>
          [
            Number(item.bucket),
            { version: Number(item.version), entries: unpack(String(item.entries)) },
          ] as const,
      );
  }

  async readComplete(tenant: string): Promise<string | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: {
          [STATE_TABLE.partitionKey]: tenantPartition(tenant),
          [STATE_TABLE.sortKey]: COMPLETE_SORT_KEY,
        },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.at === 'string' ? Item.at : undefined;
  }

  async markComplete(tenant: string, at: string): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          [STATE_TABLE.partitionKey]: tenantPartition(tenant),
          [STATE_TABLE.sortKey]: COMPLETE_SORT_KEY,
          at,
        },
      }),
    );
    this.#onWrite();
  }

  #key(tenant: string, bucket: number): Record<string, string> {
    return {
      [STATE_TABLE.partitionKey]: tenantPartition(tenant),
      [STATE_TABLE.sortKey]: fingerprintSortKey(bucket),
    };
  }
}

/** `<id>:<digest>` joined by commas (digests are base64url: no comma, no colon). */
function pack(entries: ReadonlyMap<number, string>): string {
  const parts: string[] = [];
  for (const [storeId, digest] of entries) parts.push(`${storeId}:${digest}`);
  return parts.join(',');
}

function unpack(packed: string): Map<number, string> {
  const entries = new Map<number, string>();
  if (packed === '') return entries;
  for (const part of packed.split(',')) {
    const colon = part.indexOf(':');
    entries.set(Number(part.slice(0, colon)), part.slice(colon + 1));
  }
  return entries;
}
