/**
 * The coverage sweep Lambda with real AWS APIs: state in DynamoDB and STS on moto, AWS Backup
 * played by its peer, events on a moto bus (read back through an SQS spy), the handler in-process.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import type { RunningSimulator } from '#simulator/server.ts';
import {
  captureProcessOutput,
  fakeContext,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import { ENGINEERING_ARN } from '../../helpers/backup-events.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { motoAccountOf } from '../../peers/aws-backup/moto-accounts.ts';
import { type AwsBackupPeer, startAwsBackupPeer } from '../../peers/aws-backup/server.ts';

const TOKEN = 'coverage-lambda-token-41c0d2';

describe('the coverage sweep Lambda on AWS (moto) and AWS Backup (its peer)', () => {
  let bridge: MotoBridge;
  let sim: RunningSimulator;
  let peer: AwsBackupPeer;
  let spy: SpyQueue;
  let output: string[] = [];

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'coverage',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: TOKEN,
      env: { DSPM_RATE_LIMIT_RPS: '1000', BACKUP_INVENTORY_ROLE: 'dspm-bridge-backup-read' },
    });
    ({ sim } = bridge);
    const { clients, busName, tableName } = bridge;
    peer = await startAwsBackupPeer({ accountOf: motoAccountOf(bridge.endpoint) });
    peer.addResource({
      resourceArn: ENGINEERING_ARN,
      accountId: '123456789012',
      region: 'us-west-2',
      recoveryPoints: [
        {
          recoveryPointArn: `${ENGINEERING_ARN}:rp-1`,
          creationDate: new Date(Date.now() - 2 * 3_600_000),
          status: 'COMPLETED',
        },
      ],
    });
    spy = await spyOnRule(clients, busName, uniqueName('coverage'), {
      'detail-type': ['data-store-protection-changed'],
    });
    // The poller saw the stores 30 hours ago: longer than the 26-hour RPO.
    await pollDataStores(
      {
        dspm: testClient(sim.url, { token: TOKEN }),
        state: new DynamoDbStateStore({
          client: DynamoDBDocumentClient.from(clients.dynamoDb, {
            marshallOptions: { removeUndefinedValues: true },
          }),
          tableName,
        }),
        sink: new NdjsonSink(() => {}),
        clock: new FakeClock(Date.now() - 30 * 3_600_000),
        logger: silentLogger,
        tenant: new URL(sim.url).host,
      },
      DEFAULT_POLL_SETTINGS,
    );
    bridge.setEnv({ AWS_ENDPOINT_URL_BACKUP: peer.url });
    output = captureProcessOutput();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await peer.close();
    await bridge.close();
  });

  it('tags the stores AWS Backup holds no recent recovery point for, and publishes their coverage', async () => {
    const { handler } = await import('../../../functions/sweep-coverage.ts');
    const result = await handler({}, fakeContext('dspm-bridge-coverage'));

    expect(result).toMatchObject({
      storesChecked: 3,
      tagged: 2,
      untagged: 0,
      coverage: { protected: 1, unprotected: 2, unknown: 0, excluded: 0 },
      inventoryUnavailable: 0,
    });
    const tag = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
    expect([1, 2, 3].map((id) => sim.tenant.getStore(id)?.data_tags)).toEqual([[], [tag?.id], [tag?.id]]);
    const events = await spy.drain();
    expect(
      events
        .map((e) => {
          const detail = e.detail as { dataStore: { id: number }; coverage: { current: { state: string } } };
          return [detail.dataStore.id, detail.coverage.current.state];
        })
        .sort(),
    ).toEqual([
      [1, 'protected'],
      [2, 'unprotected'],
      [3, 'unprotected'],
    ]);
    // Store 2 is in the other account: asked through the role assumed there.
    expect(new Set(peer.requests.map((r) => r.accountId))).toEqual(new Set(['123456789012', '234567890123']));
    expect(output.join('')).toContain('coverage sweep completed');
  });
});
