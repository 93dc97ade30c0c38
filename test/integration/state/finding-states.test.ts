/**
 * Finding states are kept with the store record (poll conditions) and the protection record
 * (`unprotected`) in every state backend: memory, a file, DynamoDB (moto). Records written before
 * findings existed still load, without states.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { FindingState } from '#shared/findings/finding-state.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { ProtectionRecord } from '#shared/state/protection-records.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';

const TENANT = 'acme.goskope.com';
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-findings-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const OPEN: FindingState = {
  status: 'open',
  occurrence: 2,
  severity: 'critical',
  openedAt: '2026-12-01T10:00:00.000Z',
  sequence: 3,
  baseline: true,
};
const RESOLVED: FindingState = {
  ...OPEN,
  status: 'resolved',
  resolvedAt: '2026-12-01T11:00:00.000Z',
  baseline: false,
};

const store = (storeId: number, findings?: StoreRecord['findings']): StoreRecord => ({
  storeId,
  identity: {
    name: `s${storeId}`,
    endpoint: `db${storeId}.example`,
    serviceId: 1,
    connectionId: 2,
    region: null,
    accountId: null,
  },
  snapshot: { encryption: 'Off' },
  fingerprint: `fp-${storeId}`,
  sequence: 1,
  observedAt: '2026-12-01T11:00:00.000Z',
  ...(findings ? { findings } : {}),
});

const protection: ProtectionRecord = {
  storeId: 1,
  status: 'unprotected',
  reason: 'RPO_BREACH',
  observedAt: '2026-12-01T11:00:00.000Z',
  system: 'coverage-sweep',
  tagAddedByBridge: true,
  recentEventIds: ['e1'],
  version: 1,
  unprotectedFinding: OPEN,
};

describe.each<[string, () => Promise<StateStore>]>([
  ['memory', async () => new MemoryStateStore()],
  ['a file', async () => new FileStateStore(join(directory, `${uniqueName('state')}.json`))],
  [
    'DynamoDB',
    async () => {
      const clients = motoClients(inject('motoEndpoint'));
      const tableName = uniqueName('findings-state');
      await createStateTable(clients.dynamoDb, tableName);
      return new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
    },
  ],
])('finding states in %s', (_backend, open) => {
  it('keeps them with the store record and the protection record; old records load without them', async () => {
    // Arrange
    const state = await open();
    // Act
    await state.commitStores(TENANT, [store(1, { 'encryption-off': OPEN, 'high-risk': RESOLVED }), store(2)]);
    await state.putProtection(TENANT, protection);
    // Assert: read back through a fresh instance where the backend persists.
    const again = state instanceof FileStateStore ? new FileStateStore(state.path) : state;
    const stores = await again.loadStores(TENANT);
    expect(stores.get(1)?.findings).toEqual({ 'encryption-off': OPEN, 'high-risk': RESOLVED });
    expect(stores.get(2)).toEqual(store(2));
    expect((await again.getProtection(TENANT, 1))?.unprotectedFinding).toEqual(OPEN);
  });
});
