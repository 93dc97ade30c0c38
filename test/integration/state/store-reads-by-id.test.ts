/**
 * The reads a streaming poll makes, in every state store: one page's committed records by id
 * (DynamoDB: BatchGetItem, 100 keys a call) and every record as a stream of batches (DynamoDB:
 * Query pages), tombstones included, ids never committed absent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';

const TENANT = 'acme.goskope.com';
const OTHER_TENANT = 'other.goskope.com';
/** More than two BatchGetItem calls' worth of keys. */
const STORES = 250;
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-reads-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function record(storeId: number): StoreRecord {
  return {
    storeId,
    identity: {
      name: `store-${storeId}`,
      endpoint: `db-${storeId}.example`,
      serviceId: 1,
      connectionId: 2,
      region: null,
      accountId: null,
    },
    snapshot: { encryption: 'On' },
    fingerprint: `fp-${storeId}`,
    sequence: storeId % 3,
    observedAt: '2026-12-01T12:00:00.000Z',
    ...(storeId % 10 === 0 ? { removedAt: '2026-12-01T12:00:00.000Z' } : {}),
  };
}

async function dynamoDbStore(): Promise<StateStore> {
  const clients = motoClients(inject('motoEndpoint'));
  const tableName = uniqueName('reads-state');
  await createStateTable(clients.dynamoDb, tableName);
  return new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
}

describe.each([
  ['DynamoDB (moto)', dynamoDbStore],
  ['memory', async () => new MemoryStateStore()],
  ['file', async () => new FileStateStore(join(directory, `state-${Math.random()}.json`))],
] as const)('reads by id and as a stream in the %s state store', (_name, create) => {
  it('returns the committed records of the ids asked for, across BatchGetItem calls, and nothing else', async () => {
    const state = await create();
    const committed = Array.from({ length: STORES }, (_, index) => record(index + 1));
    await state.commitStores(TENANT, committed, { baseline: true });
    await state.commitStores(OTHER_TENANT, [record(STORES + 1)], { baseline: true });

    // Every committed id, some twice, plus ids never committed and one of another tenant.
    const asked = [...committed.map((r) => r.storeId), 5, 17, 99_999, STORES + 1];
    const found = await state.loadStoresById(TENANT, asked);

    expect(found.size).toBe(STORES);
    expect([...found.keys()].sort((a, b) => a - b)).toEqual(committed.map((r) => r.storeId));
    expect(found.get(10)).toEqual(record(10));
    expect(found.get(7)).toEqual(record(7));
    expect(found.has(99_999)).toBe(false);
    expect(await state.loadStoresById(TENANT, [])).toEqual(new Map());
  });

  it('streams every committed record of the tenant once, tombstones included', async () => {
    const state = await create();
    const committed = Array.from({ length: STORES }, (_, index) => record(index + 1));
    await state.commitStores(TENANT, committed, { baseline: true });
    await state.commitStores(OTHER_TENANT, [record(STORES + 1)], { baseline: true });

    const streamed: StoreRecord[] = [];
    let batches = 0;
    for await (const batch of state.streamStores(TENANT)) {
      batches++;
      streamed.push(...batch);
    }

    expect(batches).toBeGreaterThan(0);
    expect(streamed.map((r) => r.storeId).sort((a, b) => a - b)).toEqual(committed.map((r) => r.storeId));
    expect(streamed.find((r) => r.storeId === 20)?.removedAt).toBe('2026-12-01T12:00:00.000Z');
    expect(streamed.find((r) => r.storeId === 21)).toEqual(record(21));
  });
});
