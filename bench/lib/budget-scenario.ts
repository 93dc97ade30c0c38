/**
 * The bridge's three DSPM consumers at once against one tenant: a poll (the poller), two tagger
 * instances applying backup events (the SQS mapping's most concurrent batches), and a coverage
 * sweep, each through its own client as each Lambda has, with the real use cases. Used by the
 * rate-budget test (the guarantee) and bench:budget (figures against the unshared baseline).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_LOCKING, type ProtectionSettings } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import type { BackupInventory } from '#shared/backup/inventory.ts';
import { sweepCoverage } from '#shared/backup/sweep-coverage.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { RunningSimulator } from '#simulator/server.ts';

/** Requests per second each consumer paces at. */
export interface ScenarioPacing {
  /** The tenant's whole limit: the set-up (an earlier poll) runs alone and may use all of it. */
  readonly tenant: number;
  readonly poller: number;
  readonly taggerPerInstance: number;
  readonly coverage: number;
}

/** What the simulator saw, and how the tag writes fared. */
export interface ScenarioFigures {
  readonly requests: number;
  readonly refused: number;
  /** Milliseconds from a backup event's arrival to its tag being written, one per event. */
  readonly tagWriteMs: readonly number[];
  /** Tag writes that completed while the poll was still listing. */
  readonly writesDuringPoll: number;
  readonly pollSeconds: number;
}

/** A simulator as the scenario needs it (in-process or not). */
export interface ScenarioTenant {
  readonly url: string;
  readonly token: string;
  /** Store ids the taggers write to. */
  readonly storeIds: readonly number[];
  /** Requests and 429s the tenant answered since the last call to `resetCounts`. */
  counts(): Promise<{ requests: number; refused: number }>;
  resetCounts(): Promise<void>;
}

/**
 * A scenario tenant on an in-process simulator: its first `writableStores` stores take the tag
 * writes, and its request log gives the counts.
 */
export function simulatedTenant(
  sim: RunningSimulator,
  token: string,
  writableStores: number,
): ScenarioTenant {
  let since = 0;
  return {
    url: sim.url,
    token,
    storeIds: sim.tenant
      .view()
      .stores.slice(0, writableStores)
      .map((store) => Number(store.id)),
    counts: async () => {
      const log = sim.requests.slice(since);
      return { requests: log.length, refused: log.filter((entry) => entry.status === 429).length };
    },
    resetCounts: async () => {
      since = sim.requests.length;
    },
  };
}

const TENANT_NAME = 'budget.example';
const acceptAll: EventSink = { publish: async (events) => events.map(() => ({ ok: true as const })) };

function client(tenant: ScenarioTenant, rps: number): DspmClient {
  return createDspmClient(
    readDspmConfig({
      DSPM_TENANT_URL: tenant.url,
      DSPM_API_TOKEN: tenant.token,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: String(rps),
    }),
  );
}

function protectionSettings(): ProtectionSettings & { acceptedSources: ReadonlySet<string> } {
  return {
    tag: DEFAULT_UNPROTECTED_TAG,
    source: 'netskope.dspm',
    test: true,
    mappings: new Map(),
    ...DEFAULT_LOCKING,
    acceptedSources: new Set(['com.example.backup']),
  };
}

function backupEvent(storeId: number, sequence: number): string {
  return JSON.stringify({
    version: '0',
    id: `budget-${storeId}-${sequence}`,
    'detail-type': 'backup-protection-changed',
    source: 'com.example.backup',
    account: '123456789012',
    time: new Date(Date.UTC(2026, 10, 22, 10, 0, sequence)).toISOString(),
    region: 'us-west-2',
    resources: [],
    detail: { system: 'example', dataStoreId: storeId, protected: false, reason: 'LAST_JOB_FAILED' },
  });
}

/**
 * Sets the tenant up as a running bridge finds it (the stores committed by an earlier poll, the
 * `Unprotected` tag in the catalog, warm catalog caches), then runs a poll, the taggers
 * (`eventsPerTagger` events each, one after the other) and a sweep at once.
 */
export async function runBudgetScenario(
  tenant: ScenarioTenant,
  pacing: ScenarioPacing,
  eventsPerTagger: number,
): Promise<ScenarioFigures> {
  const state = new MemoryStateStore();
  const portsOf = (dspm: DspmClient) => ({
    dspm,
    state,
    sink: acceptAll,
    clock: systemClock,
    logger: silentLogger,
    tenant: TENANT_NAME,
    catalog: new CatalogCache(dspm, systemClock),
  });
  const taggers = [0, 1].map(() => portsOf(client(tenant, pacing.taggerPerInstance)));
  const sweeper = portsOf(client(tenant, pacing.coverage));
  const poller = portsOf(client(tenant, pacing.poller));

  const setUp = portsOf(client(tenant, pacing.tenant));
  await pollDataStores(setUp, DEFAULT_POLL_SETTINGS);
  await Promise.all([
    applyEvent(setUp, tenant.storeIds.at(-1) as number, 0),
    ...[...taggers, sweeper].map((ports) => ports.catalog.get()),
  ]);
  // Polls are minutes apart: let the set-up's last requests leave the tenant's window.
  await delay(1_100);
  await tenant.resetCounts();

  const tagWriteMs: number[] = [];
  let polling = true;
  let writesDuringPoll = 0;
  const tagger = async (ports: (typeof taggers)[number], instance: number) => {
    for (let i = 0; i < eventsPerTagger; i++) {
      const storeId = tenant.storeIds[(instance * eventsPerTagger + i) % tenant.storeIds.length] as number;
      const started = performance.now();
      await applyEvent(ports, storeId, i + 1);
      tagWriteMs.push(performance.now() - started);
      if (polling) writesDuringPoll++;
    }
  };
  // The budget is about DSPM requests, not AWS Backup: an inventory that holds no recovery point
  // and an RPO of zero make every store overdue, so the sweep spends its five tag writes.
  const noRecoveryPoints: BackupInventory = {
    name: 'empty',
    lastRecoveryPoint: async () => ({ kind: 'answered', lastRecoveryPointAt: undefined }),
  };
  const sweep = () =>
    sweepCoverage(
      { ...sweeper, inventory: noRecoveryPoints },
      protectionSettings(),
      { rpoHours: 0, excludedServices: new Set(), excludedConnections: new Set(), maxChanges: 5 },
      'budget-sweep',
    );
  const pollStarted = performance.now();
  let pollSeconds = 0;
  const poll = pollDataStores(poller, DEFAULT_POLL_SETTINGS).finally(() => {
    polling = false;
    pollSeconds = (performance.now() - pollStarted) / 1000;
  });
  await Promise.all([poll, ...taggers.map(tagger), sweep()]);
  return { ...(await tenant.counts()), tagWriteMs, writesDuringPoll, pollSeconds };
}

async function applyEvent(ports: Parameters<typeof handleBackupEvent>[1], storeId: number, sequence: number) {
  const outcome = await handleBackupEvent(backupEvent(storeId, sequence), ports, protectionSettings());
  if (outcome.kind === 'malformed') throw new Error(`scenario event refused: ${outcome.reason}`);
}
