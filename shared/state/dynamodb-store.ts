/**
 * A `SnapshotStore` in DynamoDB (see `table-design.ts`). Commits of changed stores are
 * conditional on the sequence, so a slow or replayed poll can never move a store backwards; the
 * baseline is a bulk `BatchWriteItem`. The lease is a conditional put that expires.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../dspm/rate-limiter.ts';
import { backoffDelay } from '../dspm/retry.ts';
import type { CommitOutcome, SnapshotStore, StoreRecord, TenantMeta } from './records.ts';
import {
  endpointIndexKey,
  LEASE_SORT_KEY,
  META_SORT_KEY,
  STATE_TABLE,
  STORE_SORT_PREFIX,
  storeSortKey,
  TOMBSTONE_RETENTION_DAYS,
  tenantPartition,
} from './table-design.ts';

/** Options of the DynamoDB store. */
export interface DynamoDbSnapshotStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Conditional puts in flight at once during a commit (default 16). */
  readonly concurrency?: number;
  readonly clock?: Clock;
}

const BATCH_WRITE_LIMIT = 25;

/** State in a DynamoDB table. */
export class DynamoDbSnapshotStore implements SnapshotStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #concurrency: number;
  readonly #clock: Clock;
  #itemsWritten = 0;

  constructor(options: DynamoDbSnapshotStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#concurrency = options.concurrency ?? 16;
    this.#clock = options.clock ?? systemClock;
  }

  get itemsWritten(): number {
    return this.#itemsWritten;
  }

  async tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            [STATE_TABLE.partitionKey]: tenantPartition(tenant),
            [STATE_TABLE.sortKey]: LEASE_SORT_KEY,
            holder,
            leaseUntilMs: now.getTime() + ttlMs,
            [STATE_TABLE.ttlAttribute]: Math.ceil((now.getTime() + ttlMs) / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(#sk) OR leaseUntilMs < :now OR holder = :holder',
          ExpressionAttributeNames: { '#sk': STATE_TABLE.sortKey },
          ExpressionAttributeValues: { ':now': now.getTime(), ':holder': holder },
        }),
      );
      this.#itemsWritten++;
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(tenant: string, holder: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { [STATE_TABLE.partitionKey]: tenantPartition(tenant), [STATE_TABLE.sortKey]: LEASE_SORT_KEY },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      this.#itemsWritten++;
    } catch (error) {
      // Someone else holds it now (ours expired): theirs is not ours to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [STATE_TABLE.partitionKey]: tenantPartition(tenant), [STATE_TABLE.sortKey]: META_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { baselineAt: Item.baselineAt, lastPollId: Item.lastPollId, lastPollAt: Item.lastPollAt };
  }

  async loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    const stores = new Map<number, StoreRecord>();
    const pages = paginateQuery(
      { client: this.#client },
      {
        TableName: this.#table,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, '#sk': STATE_TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': tenantPartition(tenant), ':prefix': STORE_SORT_PREFIX },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        stores.set(record.storeId, record);
      }
    }
    return stores;
  }

  async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options: { baseline?: boolean } = {},
  ): Promise<CommitOutcome> {
    if (options.baseline) {
      await this.#batchWrite(records.map((record) => toItem(tenant, record)));
      return { committed: records.length, stale: [] };
    }
    const stale: number[] = [];
    let committed = 0;
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const record = records[next++] as StoreRecord;
        try {
          await this.#client.send(
            new PutCommand({
              TableName: this.#table,
              Item: toItem(tenant, record),
              // A higher sequence wins; the same sequence (a quiet update: a rename, an adopted field)
              // wins only if it is not older. Either way state never moves backwards.
              ConditionExpression:
                'attribute_not_exists(#sk) OR #sequence < :sequence OR (#sequence = :sequence AND #observedAt <= :observedAt)',
              ExpressionAttributeNames: {
                '#sk': STATE_TABLE.sortKey,
                '#sequence': 'sequence',
                '#observedAt': 'observedAt',
              },
              ExpressionAttributeValues: { ':sequence': record.sequence, ':observedAt': record.observedAt },
            }),
          );
          committed++;
          this.#itemsWritten++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          stale.push(record.storeId);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, records.length) }, worker));
    return { committed, stale };
  }

  async saveMeta(tenant: string, meta: TenantMeta): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          [STATE_TABLE.partitionKey]: tenantPartition(tenant),
          [STATE_TABLE.sortKey]: META_SORT_KEY,
          ...meta,
        },
      }),
    );
    this.#itemsWritten++;
  }

  async #batchWrite(items: Record<string, unknown>[]): Promise<void> {
    for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
      let requests = items.slice(start, start + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const written = requests.length;
        const { UnprocessedItems } = await this.#client.send(
          new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }),
        );
        requests = (UnprocessedItems?.[this.#table] ?? []) as typeof requests;
        this.#itemsWritten += written - requests.length;
        if (requests.length > 0) {
          if (attempt > 8)
            throw new Error(`DynamoDB left ${requests.length} items unprocessed after 8 tries`);
          // Unprocessed items mean the table is throttling: back off before sending them again.
          await this.#clock.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2_000 }));
        }
      }
    }
  }
}

function toItem(tenant: string, record: StoreRecord): Record<string, unknown> {
  return {
    [STATE_TABLE.partitionKey]: tenantPartition(tenant),
    [STATE_TABLE.sortKey]: storeSortKey(record.storeId),
    [STATE_TABLE.endpointKey]: endpointIndexKey(tenant, record.identity.endpoint),
    storeId: record.storeId,
    identity: record.identity,
    snapshot: record.snapshot,
    fingerprint: record.fingerprint,
    sequence: record.sequence,
    observedAt: record.observedAt,
    ...(record.removedAt
      ? {
          removedAt: record.removedAt,
          [STATE_TABLE.ttlAttribute]:
            Math.ceil(Date.parse(record.removedAt) / 1000) + TOMBSTONE_RETENTION_DAYS * 86_400,
        }
      : {}),
  };
}

function fromItem(item: Record<string, unknown>): StoreRecord {
  return {
    storeId: Number(item.storeId),
    identity: item.identity as StoreRecord['identity'],
    snapshot: item.snapshot as StoreRecord['snapshot'],
    fingerprint: String(item.fingerprint),
    sequence: Number(item.sequence),
    observedAt: String(item.observedAt),
    ...(typeof item.removedAt === 'string' ? { removedAt: item.removedAt } : {}),
  };
}
