/**
 * The finding lifecycle end to end (issue 14's done-when): a simulator store's risk going
 * 36 -> 80 -> 90 -> 30 over four polls, through the real poll use case, state in DynamoDB and the
 * real EventBridge sink to moto, read from the SQS queue behind a real rule on the finding types.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { DETAIL_TYPES, type FindingDetail, findingDetailSchema } from '#shared/events/contract.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  createBus,
  createStateTable,
  motoClients,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';

/** Bands where 80 is high and 90 critical (the default puts both in critical). */
const SETTINGS: PollSettings = { ...DEFAULT_POLL_SETTINGS, bands: { low: 25, medium: 50, high: 85 } };

describe('a finding through a real EventBridge rule (moto)', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const busName = uniqueName('findings-bus');
  const tableName = uniqueName('findings-state');
  const state = new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
  let sim: RunningSimulator;
  let findings: SpyQueue;
  let tenant: string;

  const poll = () =>
    pollDataStores(
      {
        dspm: testClient(sim.url),
        state,
        sink: new EventBridgeSink({ client: clients.eventBridge, busName }),
        clock: systemClock,
        logger: new Capture(),
        tenant,
      },
      SETTINGS,
    );

  beforeAll(async () => {
    sim = await startSimulator();
    tenant = new URL(sim.url).host;
    await createBus(clients.eventBridge, busName);
    await createStateTable(clients.dynamoDb, tableName);
    // What a ticketing rule would say: the three finding types, occurrences opened after the baseline.
    findings = await spyOnRule(clients, busName, uniqueName('findings'), {
      source: ['netskope.dspm'],
      'detail-type': [DETAIL_TYPES.findingOpened, DETAIL_TYPES.findingUpdated, DETAIL_TYPES.findingResolved],
      detail: { baseline: [false] },
    });
  });
  afterAll(() => sim.close());

  it('opens (high), updates (critical) and resolves one finding, and a quiet poll says nothing', async () => {
    // Arrange: the baseline, store 1 at 36 (its encryption-off finding opens as baseline: filtered).
    sim.tenant.updateStore(1, { data_store_risk_rating: 36 });
    await poll();
    expect(await findings.drain()).toEqual([]);
    // Act: three polls, the rating moving 80 -> 90 -> 30, then a quiet one.
    const delivered: Awaited<ReturnType<SpyQueue['drain']>>[] = [];
    for (const rating of [80, 90, 30]) {
      sim.tenant.updateStore(1, { data_store_risk_rating: rating });
      await poll();
      delivered.push(await findings.drain());
    }
    await poll();
    const quiet = await findings.drain();
    // Assert: one event per poll, in lifecycle order, all on one finding and one occurrence.
    expect(delivered.map((events) => events.map((e) => e['detail-type']))).toEqual([
      [DETAIL_TYPES.findingOpened],
      [DETAIL_TYPES.findingUpdated],
      [DETAIL_TYPES.findingResolved],
    ]);
    const details = delivered.flat().map((event) => findingDetailSchema.parse(event.detail));
    const findingId = `${tenant}/data-store/1/finding/high-risk`;
    expect(details).toMatchObject<Partial<FindingDetail>[]>([
      { findingId, status: 'open', severity: 'high', previousSeverity: null, sequence: 1, occurrence: 1 },
      {
        findingId,
        status: 'open',
        severity: 'critical',
        previousSeverity: 'high',
        sequence: 2,
        occurrence: 1,
      },
      {
        findingId,
        status: 'resolved',
        severity: 'critical',
        resolution: 'condition-cleared',
        sequence: 3,
        occurrence: 1,
        evidence: { data_store_risk_rating: 30 },
      },
    ]);
    expect(new Set(details.map((detail) => detail.correlationId))).toEqual(new Set([`${findingId}/1`]));
    expect(new Set(details.map((detail) => detail.openedAt)).size).toBe(1);
    expect(new Set(details.map((detail) => detail.eventId)).size).toBe(3);
    // The entry names the store's ARN, like every per-store event.
    expect(delivered.flat()[0]?.resources).toEqual([expect.stringMatching(/^arn:aws:rds:/)]);
    expect(quiet).toEqual([]);
    // DynamoDB kept the finding's state with the store's record.
    expect((await state.loadStores(tenant)).get(1)?.findings?.['high-risk']).toMatchObject({
      status: 'resolved',
      occurrence: 1,
      sequence: 3,
    });
  });
});
