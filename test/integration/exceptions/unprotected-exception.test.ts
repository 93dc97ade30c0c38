/**
 * Exceptions on the tagger's `unprotected` finding: a store under an exception opens suppressed,
 * and the tagger's next run after a revocation brings it back (`-unsuppressed`, same occurrence).
 * The simulator plays the tenant; the exceptions are created through the use case the CLI calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKING } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import type { FindingDetail } from '#shared/events/contract.ts';
import { createException } from '#shared/exceptions/create-exception.ts';
import { revokeException } from '#shared/exceptions/revoke-exception.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { awsBackupJobEvent, ENGINEERING_ARN } from '../../helpers/backup-events.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'example.goskope.com';

describe('exceptions on the unprotected finding', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('opens suppressed under a rule, and comes back on the next run after a revoke', async () => {
    // Arrange: a baseline, then a rule on unprotected for store 1's service.
    const dspm = testClient(sim.url);
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    const logger = new Capture();
    await pollDataStores(
      { dspm, state, sink, clock: systemClock, logger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    const exceptionPorts = {
      store: state,
      sink: new RecordingSink(),
      events: { source: 'netskope.dspm', test: true },
    };
    const { exception } = await createException(
      exceptionPorts,
      {
        tenant: TENANT,
        scope: { condition: 'unprotected', serviceId: 5, dataStoreIds: [1] },
        reason: 'compensating-control',
        justification: 'replicated to another region by the application',
        requestedBy: 'alice',
        expires: '14d',
        source: 'api',
      },
      new Date(),
    );
    sink.clear();
    const ports = {
      dspm,
      state,
      exceptions: state,
      sink,
      catalog: new CatalogCache(dspm, systemClock),
      clock: systemClock,
      logger,
      tenant: TENANT,
    };
    const settings = {
      tag: DEFAULT_UNPROTECTED_TAG,
      source: 'netskope.dspm',
      test: true,
      mappings: new Map(),
      ...DEFAULT_LOCKING,
      acceptedSources: new Set<string>(),
    };
    const findings = () =>
      sink.events
        .filter((e) => e.detailType.startsWith('data-store-finding-'))
        .map((e) => [
          e.detailType,
          (e.detail as FindingDetail).status,
          (e.detail as FindingDetail).exception?.exceptionId,
        ]);

    // Act: a failed job opens the finding under the rule.
    await handleBackupEvent(
      JSON.stringify(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z')),
      ports,
      settings,
    );
    // Assert
    expect(findings()).toEqual([['data-store-finding-opened', 'suppressed', exception.exceptionId]]);

    // Act: revoked; the next failed job (the tagger's next run for the store) brings it back.
    sink.clear();
    await revokeException(
      exceptionPorts,
      {
        tenant: TENANT,
        exceptionId: exception.exceptionId,
        revokedBy: 'bob',
        justification: 'replication was turned off',
      },
      new Date(),
    );
    await handleBackupEvent(
      JSON.stringify(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T11:00:00Z')),
      ports,
      settings,
    );
    // Assert
    expect(findings()).toEqual([['data-store-finding-unsuppressed', 'open', exception.exceptionId]]);
    expect((await state.getProtection(TENANT, 1))?.unprotectedFinding).toMatchObject({
      status: 'open',
      occurrence: 1,
    });
  });
});
