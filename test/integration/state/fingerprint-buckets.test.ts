/**
 * The fingerprint index in every state store: buckets read in bulk (more than one BatchGetItem's
 * worth in DynamoDB), a bucket never written read as empty at version 0, and every write
 * conditional on the version read, so a writer that lost the race (a poll whose lease was taken
 * over) writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { type FingerprintIndexStore, UNKNOWN_ENTRY } from '#shared/state/fingerprint-index.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';

const TENANT = 'acme.goskope.com';
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-fingerprints-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function dynamoDbStore(): Promise<StateStore & FingerprintIndexStore> {
  const clients = motoClients(inject('motoEndpoint'));
  const tableName = uniqueName('fingerprints');
  await createStateTable(clients.dynamoDb, tableName);
  return new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
}

/** A full bucket: 128 stores with 13-digit ids and 11-character digests. */
const fullBucket = (bucket: number) =>
  new Map(
    Array.from({ length: 128 }, (_, i) => [bucket * 128 + i, `d${String(bucket * 128 + i).slice(-10)}`]),
  );

describe.each([
  ['DynamoDB (moto)', dynamoDbStore],
  ['memory', async () => new MemoryStateStore()],
  ['file', async () => new FileStateStore(join(directory, `state-${Math.random()}.json`))],
] as const)('the fingerprint index in the %s state store', (_name, create) => {
  it('reads back what was written, across bulk reads, and empty buckets as absent', async () => {
    const state = await create();
    const buckets = Array.from({ length: 101 }, (_, i) => 7_812_500_000 + i);
    for (const bucket of buckets)
      expect(await state.writeFingerprintBucket(TENANT, bucket, 0, fullBucket(bucket))).toBe(true);
    await state.writeFingerprintBucket(TENANT, 5, 0, new Map());

    const read = await state.readFingerprintBuckets(TENANT, [...buckets, 5, 6]);

    expect(read.size).toBe(102);
    for (const bucket of buckets)
      expect(read.get(bucket)).toEqual({ version: 1, entries: fullBucket(bucket) });
    expect(read.get(5)).toEqual({ version: 1, entries: new Map() });
    expect(read.has(6)).toBe(false);
  });

  it('writes a bucket only over the version its writer read, and walks every bucket', async () => {
    const state = await create();
    const [a, b, stale] = ['aaaaaaaaaaa', 'bbbbbbbbbbb', 'stale-stale'];
    expect(await state.writeFingerprintBucket(TENANT, 1, 0, new Map([[128, a]]))).toBe(true);
    // A second writer that also read version 0 (a poll that lost its lease) writes nothing.
    expect(await state.writeFingerprintBucket(TENANT, 1, 0, new Map([[129, stale]]))).toBe(false);
    expect(
      await state.writeFingerprintBucket(
        TENANT,
        1,
        1,
        new Map([
          [128, b],
          [255, UNKNOWN_ENTRY],
        ]),
      ),
    ).toBe(true);
    expect(await state.writeFingerprintBucket(TENANT, 1, 1, new Map([[128, stale]]))).toBe(false);

    const read = await state.readFingerprintBuckets(TENANT, [1]);
    expect(read.get(1)).toEqual({
      version: 2,
      entries: new Map([
        [128, b],
        [255, UNKNOWN_ENTRY],
      ]),
    });
    // The walk of every bucket sees the same.
    const walked = [];
    for await (const batch of state.streamFingerprintBuckets(TENANT)) walked.push(...batch);
    expect(walked).toEqual([
      [
        1,
        {
          version: 2,
          entries: new Map([
            [128, b],
            [255, UNKNOWN_ENTRY],
          ]),
        },
      ],
    ]);
    // Another tenant's index is its own.
    expect((await state.readFingerprintBuckets('other.goskope.com', [1])).size).toBe(0);
  });
});
