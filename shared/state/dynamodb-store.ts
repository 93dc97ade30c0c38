/**
 * A `StateStore` in DynamoDB (see `table-design.ts`). Commits of changed stores are conditional
 * on the sequence, so a slow or replayed poll can never move a store backwards; the baseline is a
 * bulk `BatchWriteItem`. The poll lease and the per-store tag locks are conditional puts that
 * expire; protection records are versioned.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay } from '../backoff.ts';
import { type Clock, systemClock } from '../clock.ts';
import { TransientError } from '../errors.ts';
import type { FindingState, FindingStates } from '../findings/finding-state.ts';
import type { PollCheckpoint } from '../poll/poll-checkpoint.ts';
import { DynamoDbCheckpoints } from './dynamodb-checkpoints.ts';
import { DynamoDbFingerprints } from './dynamodb-fingerprints.ts';
import type { FingerprintBucket, FingerprintIndexStore } from './fingerprint-index.ts';
import { type ProtectionRecord, type ResourceKey, resourceKeyOf, type TagRef } from './protection-records.ts';
import { queryByPrefix } from './query-by-prefix.ts';
import type { CommitOutcome, LastPollOutcome, StoreRecord, TenantMeta } from './records.ts';
import type { StateStore } from './state-store.ts';
import {
  endpointIndexKey,
  LEASE_SORT_KEY,
  META_SORT_KEY,
  PROTECTION_SORT_PREFIX,
  protectionSortKey,
  resourceIndexKey,
  STATE_TABLE,
  STORE_SORT_PREFIX,
  storeLockSortKey,
  storeSortKey,
  TAG_REF_SORT_KEY,
  TOMBSTONE_RETENTION_DAYS,
  tenantPartition,
} from './table-design.ts';

/** Options of the DynamoDB store. */
export interface DynamoDbStateStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Conditional puts in flight at once during a commit (default 16). */
  readonly concurrency?: number;
  readonly clock?: Clock;
}

const BATCH_WRITE_LIMIT = 25;
/** DynamoDB's cap on keys in one BatchGetItem. */
const BATCH_GET_LIMIT = 100;
/** Tries of one BatchGetItem before its unprocessed keys are an error. */
const BATCH_GET_TRIES = 8;

/** State in a DynamoDB table. */
export class DynamoDbStateStore implements StateStore, FingerprintIndexStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #checkpoints: DynamoDbCheckpoints;
  readonly #fingerprints: DynamoDbFingerprints;
  #itemsWritten = 0;

  constructor(options: DynamoDbStateStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#concurrency = options.concurrency ?? 16;
    this.#clock = options.clock ?? systemClock;
    this.#checkpoints = new DynamoDbCheckpoints(this.#client, this.#table, (items) => {
      this.#itemsWritten += items;
    });
    this.#fingerprints = new DynamoDbFingerprints(this.#client, this.#table, this.#clock, () => {
      this.#itemsWritten++;
    });
  }

  get itemsWritten(): number {
    return this.#itemsWritten;
  }

  async tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#takeLease(tenant, LEASE_SORT_KEY, holder, now, ttlMs);
  }

  async renewLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: this.#key(tenant, LEASE_SORT_KEY),
          UpdateExpression: 'SET leaseUntilMs = :until, #ttl = :ttl',
          // Only the holder extends it: a lease taken over (or released) stays the new holder's.
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: { '#ttl': STATE_TABLE.ttlAttribute },
          ExpressionAttributeValues: {
            ':holder': holder,
            ':until': now.getTime() + ttlMs,
            ':ttl': Math.ceil((now.getTime() + ttlMs) / 1000) + 3600,
          },
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
    await this.#releaseLease(tenant, LEASE_SORT_KEY, holder);
  }

  async tryLockStore(
    tenant: string,
    storeId: number,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<boolean> {
    return this.#takeLease(tenant, storeLockSortKey(storeId), holder, now, ttlMs);
  }

  async unlockStore(tenant: string, storeId: number, holder: string): Promise<void> {
    await this.#releaseLease(tenant, storeLockSortKey(storeId), holder);
  }

  async #takeLease(
    tenant: string,
    sortKey: string,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            [STATE_TABLE.partitionKey]: tenantPartition(tenant),
            [STATE_TABLE.sortKey]: sortKey,
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

  async #releaseLease(tenant: string, sortKey: string, holder: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { [STATE_TABLE.partitionKey]: tenantPartition(tenant), [STATE_TABLE.sortKey]: sortKey },
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
    return {
      baselineAt: Item.baselineAt,
      lastPollId: Item.lastPollId,
      lastPollAt: Item.lastPollAt,
      ...(Item.lastPoll ? { lastPoll: Item.lastPoll as LastPollOutcome } : {}),
      ...(typeof Item.indexVouchedAt === 'string' ? { indexVouchedAt: Item.indexVouchedAt } : {}),
    };
  }

  async loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    const stores = new Map<number, StoreRecord>();
    for (const item of await this.#queryPrefix(tenant, STORE_SORT_PREFIX)) {
      const record = storeFromItem(item);
      stores.set(record.storeId, record);
    }
    return stores;
  }

  async loadStoresById(tenant: string, storeIds: readonly number[]): Promise<Map<number, StoreRecord>> {
    const found = new Map<number, StoreRecord>();
    const unique = [...new Set(storeIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      const keys = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((storeId) => this.#key(tenant, storeSortKey(storeId)));
      for (const item of await this.#batchGet(keys)) {
        const record = storeFromItem(item);
        found.set(record.storeId, record);
      }
    }
    return found;
  }

  async *streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]> {
    for await (const page of this.#queryPages(tenant, STORE_SORT_PREFIX)) {
      yield (page.Items ?? []).map(storeFromItem);
    }
  }

  /** One BatchGetItem of at most 100 keys, its unprocessed keys sent again with backoff. */
  async #batchGet(keys: Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Responses, UnprocessedKeys } = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[this.#table] ?? []));
      pending = (UnprocessedKeys?.[this.#table]?.Keys ?? []) as Record<string, string>[];
      if (pending.length > 0) {
        if (attempt >= BATCH_GET_TRIES)
          throw new TransientError(
            `DynamoDB left ${pending.length} keys unprocessed after ${BATCH_GET_TRIES} tries`,
          );
        // Unprocessed keys mean the table is throttling reads: back off before asking again.
        await this.#clock.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2_000 }));
      }
    }
    return items;
  }

  #queryPages(tenant: string, prefix: string) {
    return queryByPrefix(this.#client, this.#table, tenant, prefix);
  }

  async #queryPrefix(tenant: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of this.#queryPages(tenant, prefix)) items.push(...(page.Items ?? []));
    return items;
  }

  async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options: { baseline?: boolean } = {},
  ): Promise<CommitOutcome> {
    if (options.baseline) {
      await this.#batchWrite(records.map((record) => storeToItem(tenant, record)));
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
              Item: storeToItem(tenant, record),
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

  loadCheckpoint(tenant: string): Promise<PollCheckpoint | undefined> {
    return this.#checkpoints.load(tenant);
  }

  saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    return this.#checkpoints.save(tenant, checkpoint);
  }

  clearCheckpoint(tenant: string, pollId: string): Promise<void> {
    return this.#checkpoints.clear(tenant, pollId);
  }

  readFingerprintBuckets(
    tenant: string,
    buckets: readonly number[],
  ): Promise<Map<number, FingerprintBucket>> {
    return this.#fingerprints.read(tenant, buckets);
  }

  writeFingerprintBucket(
    tenant: string,
    bucket: number,
    expectedVersion: number,
    entries: ReadonlyMap<number, string>,
  ): Promise<boolean> {
    return this.#fingerprints.write(tenant, bucket, expectedVersion, entries);
  }

  streamFingerprintBuckets(tenant: string): AsyncIterable<readonly (readonly [number, FingerprintBucket])[]> {
    return this.#fingerprints.stream(tenant);
  }

  async getProtection(tenant: string, storeId: number): Promise<ProtectionRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: this.#key(tenant, protectionSortKey(storeId)),
        ConsistentRead: true,
      }),
    );
    return Item ? protectionFromItem(Item) : undefined;
  }

  async listProtections(tenant: string): Promise<Map<number, ProtectionRecord>> {
    const records = (await this.#queryPrefix(tenant, PROTECTION_SORT_PREFIX)).map(protectionFromItem);
    return new Map(records.map((record) => [record.storeId, record]));
  }

  async putProtection(tenant: string, record: ProtectionRecord): Promise<boolean> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...this.#key(tenant, protectionSortKey(record.storeId)), ...record },
          ConditionExpression: record.version === 1 ? 'attribute_not_exists(#sk)' : '#version = :expected',
          ExpressionAttributeNames:
            record.version === 1 ? { '#sk': STATE_TABLE.sortKey } : { '#version': 'version' },
          ...(record.version === 1 ? {} : { ExpressionAttributeValues: { ':expected': record.version - 1 } }),
        }),
      );
      this.#itemsWritten++;
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getTagRef(tenant: string): Promise<Partial<TagRef> | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: this.#key(tenant, TAG_REF_SORT_KEY),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      ...(typeof Item.tagId === 'number' ? { tagId: Item.tagId } : {}),
      ...(typeof Item.categoryId === 'number' ? { categoryId: Item.categoryId } : {}),
    };
  }

  async putTagRef(tenant: string, ref: Partial<TagRef>): Promise<void> {
    const fields = Object.entries(ref).filter(([, value]) => value !== undefined);
    if (fields.length === 0) return;
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: this.#key(tenant, TAG_REF_SORT_KEY),
        UpdateExpression: `SET ${fields.map(([name]) => `#${name} = :${name}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(fields.map(([name]) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
      }),
    );
    this.#itemsWritten++;
  }

  async findStoreByEndpoint(tenant: string, endpoint: string): Promise<StoreRecord | undefined> {
    const items = await this.#queryIndex(
      STATE_TABLE.endpointIndex,
      STATE_TABLE.endpointKey,
      endpointIndexKey(tenant, endpoint),
    );
    return items.map(storeFromItem).find((record) => record.removedAt === undefined);
  }

  async findStoresByResource(tenant: string, key: ResourceKey): Promise<StoreRecord[]> {
    const items = await this.#queryIndex(
      STATE_TABLE.resourceIndex,
      STATE_TABLE.resourceKey,
      resourceIndexKey(tenant, key),
    );
    return items.map(storeFromItem).filter((record) => record.removedAt === undefined);
  }

  async #queryIndex(indexName: string, attribute: string, value: string): Promise<Record<string, unknown>[]> {
    const { Items } = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: indexName,
        KeyConditionExpression: '#key = :value',
        ExpressionAttributeNames: { '#key': attribute },
        ExpressionAttributeValues: { ':value': value },
      }),
    );
    return Items ?? [];
  }

  #key(tenant: string, sortKey: string): Record<string, string> {
    return { [STATE_TABLE.partitionKey]: tenantPartition(tenant), [STATE_TABLE.sortKey]: sortKey };
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
            throw new TransientError(`DynamoDB left ${requests.length} items unprocessed after 8 tries`);
          // Unprocessed items mean the table is throttling: back off before sending them again.
          await this.#clock.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2_000 }));
        }
      }
    }
  }
}

function storeToItem(tenant: string, record: StoreRecord): Record<string, unknown> {
  const resource = resourceKeyOf(record);
  return {
    [STATE_TABLE.partitionKey]: tenantPartition(tenant),
    [STATE_TABLE.sortKey]: storeSortKey(record.storeId),
    [STATE_TABLE.endpointKey]: endpointIndexKey(tenant, record.identity.endpoint),
    ...(resource ? { [STATE_TABLE.resourceKey]: resourceIndexKey(tenant, resource) } : {}),
    storeId: record.storeId,
    identity: record.identity,
    snapshot: record.snapshot,
    fingerprint: record.fingerprint,
    sequence: record.sequence,
    observedAt: record.observedAt,
    ...(record.firstSeenAt ? { firstSeenAt: record.firstSeenAt } : {}),
    ...(record.findings ? { findings: record.findings } : {}),
    ...(record.removedAt
      ? {
          removedAt: record.removedAt,
          [STATE_TABLE.ttlAttribute]:
            Math.ceil(Date.parse(record.removedAt) / 1000) + TOMBSTONE_RETENTION_DAYS * 86_400,
        }
      : {}),
  };
}

function storeFromItem(item: Record<string, unknown>): StoreRecord {
  return {
    storeId: Number(item.storeId),
    identity: item.identity as StoreRecord['identity'],
    snapshot: item.snapshot as StoreRecord['snapshot'],
    fingerprint: String(item.fingerprint),
    sequence: Number(item.sequence),
    observedAt: String(item.observedAt),
    ...(typeof item.firstSeenAt === 'string' ? { firstSeenAt: item.firstSeenAt } : {}),
    ...(typeof item.findings === 'object' && item.findings !== null
      ? { findings: findingsFromItem(item.findings as Record<string, Record<string, unknown>>) }
      : {}),
    ...(typeof item.removedAt === 'string' ? { removedAt: item.removedAt } : {}),
  };
}

/** Finding states as stored: DynamoDB's document client returns numbers as numbers already. */
function findingsFromItem(raw: Record<string, Record<string, unknown>>): FindingStates {
  const states: Record<string, FindingState> = {};
  for (const [condition, state] of Object.entries(raw)) {
    states[condition] = {
      status: state.status === 'open' ? 'open' : 'resolved',
      occurrence: Number(state.occurrence),
      severity: state.severity as FindingState['severity'],
      openedAt: String(state.openedAt),
      ...(typeof state.resolvedAt === 'string' ? { resolvedAt: state.resolvedAt } : {}),
      sequence: Number(state.sequence),
      baseline: state.baseline === true,
      ...(typeof state.suppressedBy === 'string' ? { suppressedBy: state.suppressedBy } : {}),
    };
  }
  return states;
}

function protectionFromItem(item: Record<string, unknown>): ProtectionRecord {
  return {
    storeId: Number(item.storeId),
    status: item.status === 'protected' ? 'protected' : 'unprotected',
    reason: item.reason as ProtectionRecord['reason'],
    observedAt: String(item.observedAt),
    system: String(item.system),
    ...(typeof item.lastSuccessAt === 'string' ? { lastSuccessAt: item.lastSuccessAt } : {}),
    tagAddedByBridge: item.tagAddedByBridge === true,
    recentEventIds: Array.isArray(item.recentEventIds) ? item.recentEventIds.map(String) : [],
    version: Number(item.version),
    ...(typeof item.coverage === 'object' && item.coverage !== null
      ? { coverage: item.coverage as ProtectionRecord['coverage'] }
      : {}),
    ...(typeof item.unprotectedFinding === 'object' && item.unprotectedFinding !== null
      ? {
          unprotectedFinding: findingsFromItem({
            unprotected: item.unprotectedFinding as Record<string, unknown>,
          }).unprotected,
        }
      : {}),
  };
}
