/**
 * A `PutEvents` call that throws (a network error after the SDK's own retries) is not an
 * acceptance: the poll commits none of that call's stores, and the next poll re-sends the same
 * eventIds. A real EventBridge client against a moto bus whose rule feeds an SQS spy queue.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createBus, motoClients, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { type PutEventsThrow, throwOnPutEvents } from '../../helpers/put-events-faults.ts';

describe('a PutEvents call that throws', () => {
  const clients = motoClients(inject('motoEndpoint'));
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('leaves its stores uncommitted, and the next poll re-sends the same eventIds', async () => {
    // Arrange: a baseline, then stores 1 and 2 change; the call carrying their events throws once.
    const busName = uniqueName('throw-bus');
    await createBus(clients.eventBridge, busName);
    const spy = await spyOnRule(clients, busName, uniqueName('throw-all'), { source: ['netskope.dspm'] });
    const state = new MemoryStateStore();
    const logger = new Capture();
    const tenant = new URL(sim.url).host;
    const poll = () =>
      pollDataStores(
        {
          dspm: testClient(sim.url),
          state,
          sink: new EventBridgeSink({ client: clients.eventBridge, busName, logger }),
          clock: systemClock,
          logger,
          tenant,
        },
        DEFAULT_POLL_SETTINGS,
      );
    await poll();
    await spy.drain();
    sim.tenant.updateStore(1, { data_store_risk_rating: 80 });
    sim.tenant.updateStore(2, { encryption: 'Off' });
    const fault: PutEventsThrow = {
      throwsOn: (entries) => entries.some((entry) => entry.DetailType === 'data-store-risk-changed'),
      thrown: [],
    };
    const remove = throwOnPutEvents(clients.eventBridge, fault);
    try {
      // Act
      const failed = await poll();
      const afterFailure = await state.loadStores(tenant);
      const deliveredAfterFailure = await spy.drain();
      const retried = await poll();
      const delivered = await spy.drain();
      // Assert: nothing of the call that threw was committed or delivered...
      expect(fault.thrown).toHaveLength(1);
      // Two changes, each with the finding it opens (store 1 high-risk, store 2 encryption-off).
      expect(failed).toMatchObject({
        summary: { events: { published: 0, failed: 4 }, stores: { uncommitted: 2 } },
      });
      expect(afterFailure.get(1)?.sequence).toBe(0);
      expect(afterFailure.get(2)).toMatchObject({ sequence: 0, snapshot: { encryption: 'On' } });
      expect(deliveredAfterFailure.map((e) => e['detail-type'])).toEqual(['dspm-poll-completed']);
      expect(logger.lines.some((line) => line.message === 'PutEvents failed')).toBe(true);
      // ...and the next poll sent the same four transitions, under the same eventIds, and committed them.
      const thrownIds = (fault.thrown[0] ?? [])
        .map((entry) => JSON.parse(entry.Detail ?? '{}').eventId)
        .sort();
      const perStore = delivered.filter((e) => e['detail-type'] !== 'dspm-poll-completed');
      expect(perStore.map((e) => e.detail.eventId).sort()).toEqual(thrownIds);
      expect(thrownIds).toHaveLength(4);
      expect(retried).toMatchObject({ summary: { events: { published: 4, failed: 0 } } });
      const committed = await state.loadStores(tenant);
      expect(committed.get(1)).toMatchObject({ sequence: 1, snapshot: { data_store_risk_rating: 80 } });
      expect(committed.get(2)).toMatchObject({ sequence: 1, snapshot: { encryption: 'Off' } });
    } finally {
      remove();
    }
  });
});
