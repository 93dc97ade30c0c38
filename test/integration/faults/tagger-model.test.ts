/**
 * The tagger against a model, under random interleavings (seeded): batches of backup events
 * applied concurrently (duplicates and late ones included) and tag changes made by people in
 * DSPM between them. The final tag set of every store must equal the model's: the person's tags,
 * plus `Unprotected` exactly when the newest backup event said unprotected. After every step, no
 * tag a person set has been removed.
 *
 * People's edits happen between batches, not during one: `PUT connected_data_stores` replaces the
 * whole list, so an edit landing between the tagger's read and its write is lost; no client of this
 * API can prevent that (docs/reliability.md).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKING } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { genericBackupEvent } from '../../helpers/backup-events.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const STORES = [1, 2, 3] as const;
const PEOPLES_TAGS = [1000004, 1000007, 1000009]; // GDPR, PII, HIPAA

type BackupStep = {
  kind: 'backup';
  events: { store: number; minute: number; protected: boolean; replay: boolean }[];
};
type PersonStep = { kind: 'person'; store: number; tag: number; add: boolean };

const steps = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('backup' as const),
      events: fc.array(
        fc.record({
          store: fc.constantFrom(...STORES),
          minute: fc.integer({ min: 0, max: 59 }),
          protected: fc.boolean(),
          replay: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
    fc.record({
      kind: fc.constant('person' as const),
      store: fc.constantFrom(...STORES),
      tag: fc.constantFrom(...PEOPLES_TAGS),
      add: fc.boolean(),
    }),
  ),
  { minLength: 1, maxLength: 8 },
);

describe('the tagger against a model', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it("ends with the model's tags and never removes a tag a person set", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (schedule: (BackupStep | PersonStep)[]) => {
        // Arrange: a fresh tenant and state, and the poller's baseline.
        sim.tenant.reset();
        const dspm = testClient(sim.url);
        const state = new MemoryStateStore();
        const sink = new RecordingSink();
        await pollDataStores(
          { dspm, state, sink, clock: systemClock, logger: silentLogger, tenant: 't' },
          DEFAULT_POLL_SETTINGS,
        );
        const ports = {
          dspm,
          state,
          sink,
          catalog: new CatalogCache(dspm, systemClock),
          clock: systemClock,
          logger: silentLogger,
          tenant: 't',
        };
        const settings = {
          tag: DEFAULT_UNPROTECTED_TAG,
          source: 's',
          test: true,
          mappings: new Map(),
          ...DEFAULT_LOCKING,
          dryRun: false,
          acceptedSources: new Set(['com.veeam.backup']),
        };
        const peoples = new Map<number, Set<number>>(STORES.map((id) => [id, new Set<number>()]));
        const newest = new Map<number, { at: number; protected: boolean }>();
        const sent: string[] = [];
        let serial = 0;

        // Act, step by step, checking people's tags after each.
        for (const step of schedule) {
          if (step.kind === 'person') {
            const tags = new Set(sim.tenant.getStore(step.store)?.data_tags ?? []);
            if (step.add) tags.add(step.tag);
            else tags.delete(step.tag);
            sim.tenant.updateStore(step.store, { data_tags: [...tags] });
            const mine = peoples.get(step.store) ?? new Set();
            if (step.add) mine.add(step.tag);
            else mine.delete(step.tag);
          } else {
            const bodies = step.events.map((e) => {
              if (e.replay && sent.length > 0) return sent[Math.floor(sent.length / 2)] as string;
              // Distinct times: the minute orders them, the serial breaks ties.
              const at = Date.UTC(2026, 10, 22, 10, e.minute, 0, ++serial);
              const body = JSON.stringify(
                genericBackupEvent(
                  {
                    dataStoreId: e.store,
                    protected: e.protected,
                    reason: e.protected ? 'BACKUP_SUCCEEDED' : 'LAST_JOB_FAILED',
                  },
                  new Date(at).toISOString(),
                ),
              );
              const known = newest.get(e.store);
              if (!known || known.at < at) newest.set(e.store, { at, protected: e.protected });
              sent.push(body);
              return body;
            });
            const results = await Promise.all(bodies.map((body) => handleBackupEvent(body, ports, settings)));
            for (const result of results) expect(result.kind).toBe('applied');
          }
          for (const id of STORES) {
            const actual = new Set(sim.tenant.getStore(id)?.data_tags ?? []);
            for (const tag of peoples.get(id) ?? [])
              expect(actual.has(tag), `store ${id} lost a person's tag ${tag}`).toBe(true);
          }
        }

        // Assert: the final tags are exactly the model's.
        const unprotectedId = sim.tenant.listTags().find((t) => t.name === 'Unprotected')?.id;
        for (const id of STORES) {
          const expected = new Set(peoples.get(id));
          if (newest.get(id)?.protected === false && unprotectedId !== undefined) expected.add(unprotectedId);
          expect(new Set(sim.tenant.getStore(id)?.data_tags ?? []), `store ${id}`).toEqual(expected);
        }
      }),
      { seed: 1_122_2026, numRuns: 40 },
    );
  });
});
