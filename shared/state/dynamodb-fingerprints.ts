/**
 * The fingerprint index in the state table (see fingerprint-index.ts): one item per bucket of
 * `FINGERPRINT_BUCKET_WIDTH` store ids, its entries packed into one string attribute of 13
 * characters a store (the id's offset in its bucket as two base-36 digits, then its 11-character
 * digest, `*` x 11 for the placeholder): a full bucket is about 1.7 KB, one strongly consistent
 * read unit and two write units. A version every write is conditional on.
 *
 *   pk = tenant#<host>   sk = fpx#<bucket, zero-padded>   entries, version
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { backoffDelay } from '../backoff.ts';
import type { Clock } from '../clock.ts';
import { TransientError } from '../errors.ts';
import { FINGERPRINT_BUCKET_WIDTH, type FingerprintBucket, UNKNOWN_ENTRY } from './fingerprint-index.ts';
import { queryByPrefix } from './query-by-prefix.ts';
import { STATE_TABLE, tenantPartition } from './table-design.ts';

/** The sort key of a fingerprint bucket; zero-padded so buckets sort by id range. */
export const fingerprintSortKey = (bucket: number): string =>
  `${BUCKET_PREFIX}${String(bucket).padStart(10, '0')}`;

const BUCKET_PREFIX = 'fpx#';

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
            entries: unpack(Number(item.bucket), String(item.entries)),
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
            entries: pack(bucket, entries),
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
    const pages = queryByPrefix(this.#client, this.#table, tenant, BUCKET_PREFIX);
    for await (const page of pages)
      yield (page.Items ?? []).map(
        (item) =>
          [
            Number(item.bucket),
            { version: Number(item.version), entries: unpack(Number(item.bucket), String(item.entries)) },
          ] as const,
      );
  }

  #key(tenant: string, bucket: number): Record<string, string> {
    return {
      [STATE_TABLE.partitionKey]: tenantPartition(tenant),
      [STATE_TABLE.sortKey]: fingerprintSortKey(bucket),
    };
  }
}

/** Characters of one packed entry: two for the id's offset, eleven for the digest. */
const ENTRY_CHARS = 13;
const DIGEST_CHARS = ENTRY_CHARS - 2;
/** The placeholder as packed (a digest is base64url, which has no `*`). */
const PACKED_UNKNOWN = '*'.repeat(DIGEST_CHARS);

/** Fixed-width entries, so the item holds no separators: offset (base 36, 2 digits) + digest. */
function pack(bucket: number, entries: ReadonlyMap<number, string>): string {
  const parts: string[] = [];
  for (const [storeId, digest] of entries) {
    if (digest !== UNKNOWN_ENTRY && digest.length !== DIGEST_CHARS)
      throw new RangeError(`a fingerprint digest must be ${DIGEST_CHARS} characters, not ${digest.length}`);
    parts.push(
      (storeId - bucket * FINGERPRINT_BUCKET_WIDTH).toString(36).padStart(2, '0') +
        (digest === UNKNOWN_ENTRY ? PACKED_UNKNOWN : digest),
    );
  }
  return parts.join('');
}

function unpack(bucket: number, packed: string): Map<number, string> {
  const entries = new Map<number, string>();
  for (let at = 0; at + ENTRY_CHARS <= packed.length; at += ENTRY_CHARS) {
    const storeId = bucket * FINGERPRINT_BUCKET_WIDTH + Number.parseInt(packed.slice(at, at + 2), 36);
    const digest = packed.slice(at + 2, at + ENTRY_CHARS);
    entries.set(storeId, digest === PACKED_UNKNOWN ? UNKNOWN_ENTRY : digest);
  }
  return entries;
}
