/**
 * Poll checkpoints in every state store: what is saved comes back whole (a million seen ids
 * included, in several DynamoDB items), a checkpoint only replaces an earlier one of the same
 * poll, the poll's own copy is not shared with the caller, and clearing is the poll's only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { PollCheckpoint } from '#shared/poll/poll-checkpoint.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';

const TENANT = 'acme.goskope.com';
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-checkpoints-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function checkpoint(pollId: string, chunk: number, seen: Iterable<number>): PollCheckpoint {
  return {
    pollId,
    startedAt: '2026-12-02T01:00:00.000Z',
    chunk,
    baseline: false,
    listing: {
      state: 'listing',
      nextOffset: chunk * 100,
      total: 1_000_000,
      pages: chunk,
      duplicates: 2,
      complete: false,
      stalledChunks: 0,
    },
    seen: new Set(seen),
    totals: {
      counts: { seen: chunk * 100, discovered: 1, changed: 2, removed: 0, unchanged: 3 },
      events: 7,
      failed: 1,
      refusedStores: 1,
      stale: 0,
    },
    dspm: { requests: 12, retries: 1, throttled: 0 },
  };
}

/** A checkpoint with its seen ids as an ascending array, to compare whatever set holds them. */
const plain = (checkpoint: PollCheckpoint | undefined) =>
  checkpoint && { ...checkpoint, seen: [...checkpoint.seen].sort((a, b) => a - b) };

/** Ids spread so they pack to about 2 MB: several DynamoDB items. */
const spreadIds = (count: number) => Array.from({ length: count }, (_, index) => index * 997 + (index % 7));

let dynamo: { client: DynamoDBDocumentClient; tableName: string } | undefined;
async function dynamoDbStore(): Promise<StateStore> {
  const clients = motoClients(inject('motoEndpoint'));
  const tableName = uniqueName('checkpoint-state');
  await createStateTable(clients.dynamoDb, tableName);
  const client = DynamoDBDocumentClient.from(clients.dynamoDb);
  dynamo = { client, tableName };
  return new DynamoDbStateStore({ client, tableName });
}

describe.each([
  ['DynamoDB (moto)', dynamoDbStore],
  ['memory', async () => new MemoryStateStore()],
  ['file', async () => new FileStateStore(join(directory, `state-${Math.random()}.json`))],
] as const)('poll checkpoints in the %s state store', (name, create) => {
  it('gives back what was saved, a million spread seen ids included', async () => {
    const state = await create();
    const saved = checkpoint('poll-1', 1, spreadIds(1_000_000));
    expect(await state.loadCheckpoint(TENANT)).toBeUndefined();
    expect(await state.saveCheckpoint(TENANT, saved)).toBe(true);
    const loaded = await state.loadCheckpoint(TENANT);
    expect(plain(loaded)).toEqual(plain(saved));
    expect(loaded?.seen.size).toBe(1_000_000);
    expect(await state.loadCheckpoint('other.goskope.com')).toBeUndefined();
  }, 120_000);

  it('replaces a checkpoint only with a later chunk of the same poll', async () => {
    const state = await create();
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-1', 2, [1, 2]))).toBe(true);
    // As far along, behind, or another poll's: refused, and the stored one stays whole.
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-1', 2, [9]))).toBe(false);
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-1', 1, [9]))).toBe(false);
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-2', 5, [9]))).toBe(false);
    expect([...((await state.loadCheckpoint(TENANT))?.seen ?? [])]).toEqual([1, 2]);
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-1', 3, [1, 2, 3]))).toBe(true);
    expect(plain(await state.loadCheckpoint(TENANT))).toEqual(plain(checkpoint('poll-1', 3, [1, 2, 3])));
  });

  it("keeps its own copy of the seen ids: the caller's set goes on growing after the save", async () => {
    const state = await create();
    const seen = new Set([1, 2, 3]);
    await state.saveCheckpoint(TENANT, { ...checkpoint('poll-1', 1, []), seen });
    seen.add(4);
    const loaded = await state.loadCheckpoint(TENANT);
    expect([...(loaded?.seen ?? [])]).toEqual([1, 2, 3]);
  });

  it("is cleared by its own poll only, and then a new poll's checkpoint may start", async () => {
    const state = await create();
    await state.saveCheckpoint(TENANT, checkpoint('poll-1', 4, spreadIds(300_000)));
    await state.clearCheckpoint(TENANT, 'poll-other');
    expect((await state.loadCheckpoint(TENANT))?.pollId).toBe('poll-1');
    await state.clearCheckpoint(TENANT, 'poll-1');
    expect(await state.loadCheckpoint(TENANT)).toBeUndefined();
    expect(await state.saveCheckpoint(TENANT, checkpoint('poll-2', 1, [5]))).toBe(true);
    expect((await state.loadCheckpoint(TENANT))?.pollId).toBe('poll-2');
    if (name === 'DynamoDB (moto)' && dynamo) {
      // Only the new checkpoint's items are left: cleared parts and replaced chunks are deleted.
      const { Items = [] } = await dynamo.client.send(
        new QueryCommand({
          TableName: dynamo.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': `tenant#${TENANT}`, ':sk': 'poll#checkpoint' },
        }),
      );
      const keys = Items.map((item) => String(item.sk)).sort();
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe('poll#checkpoint');
      expect(keys[1]).toMatch(/^poll#checkpoint#poll-2#[0-9a-f-]{36}#0000$/);
    }
  }, 120_000);
});
