/**
 * The bridge's three DSPM consumers at once against one tenant: a poll (the poller), two tagger
 * instances applying backup events (the SQS mapping's most concurrent batches), and a coverage
 * sweep, each through its own client as each Lambda has, with the real use cases. Used by the
 * rate-budget tests (the guarantee) and bench:budget (figures against the baselines). With
 * `budget`, each client's pace comes from the budget on demand (shared/budget/) instead of its
 * static share alone.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_LOCKING, type ProtectionSettings } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import type { BackupInventory } from '#shared/backup/inventory.ts';
import { sweepCoverage } from '#shared/backup/sweep-coverage.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import type { RateBudgetGate } from '#shared/budget/on-demand-budget.ts';
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
  /**
   * The budget on demand: each consumer's gate, given its role and static share; undefined
   * paces every consumer at its static share alone.
   */
  readonly budget?: ((role: BudgetRole, staticRps: number) => RateBudgetGate | undefined) | undefined;
}

/** The consumers of the scenario, as the budget names them. */
export type BudgetRole = 'poller' | 'tagger' | 'coverage';

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

function client(tenant: ScenarioTenant, rps: number, budget?: RateBudgetGate): DspmClient {
  return createDspmClient(
    readDspmConfig({
      DSPM_TENANT_URL: tenant.url,
      DSPM_API_TOKEN: tenant.token,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: String(rps),
    }),
    { budget },
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
  /** The taggers and the sweep start this long after the poll (a hand-over from a poll under way). */
  othersAfterMs = 0,
): Promise<ScenarioFigures> {
  const state = new MemoryStateStore();
  // With the budget on demand, the catalogs are read through the set-up's client (a running
  // tagger's cache is warm), so warming them announces no demand before the scenario starts.
  const setUpClient = client(tenant, pacing.tenant);
  const portsOf = (dspm: DspmClient) => ({
    dspm,
    state,
    sink: acceptAll,
    clock: systemClock,
    logger: silentLogger,
    tenant: TENANT_NAME,
    catalog: new CatalogCache(pacing.budget ? setUpClient : dspm, systemClock),
  });
  const paced = (role: BudgetRole, rps: number) => client(tenant, rps, pacing.budget?.(role, rps));
  const taggers = [0, 1].map(() => portsOf(paced('tagger', pacing.taggerPerInstance)));
  const sweeper = portsOf(paced('coverage', pacing.coverage));
  const poller = portsOf(paced('poller', pacing.poller));

  await setUpTenant(portsOf(setUpClient), tenant, [...taggers, sweeper]);

  const tagWriteMs: number[] = [];
  let polling = true;
  let writesDuringPoll = 0;
  const tagger = async (ports: (typeof taggers)[number], instance: number): Promise<void> => {
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
  const others = async () => {
    await delay(othersAfterMs);
    await Promise.all([...taggers.map(tagger), sweep()]);
  };
  await Promise.all([poll, others()]);
  return { ...(await tenant.counts()), tagWriteMs, writesDuringPoll, pollSeconds };
}

/**
 * The state an earlier poll leaves, a tag write so the tag exists, warm catalog caches; then a
 * pause so the set-up's last requests leave the tenant's window (polls are minutes apart).
 */
async function setUpTenant(
  setUp: Parameters<typeof pollDataStores>[0] & Parameters<typeof handleBackupEvent>[1],
  tenant: ScenarioTenant,
  others: readonly { catalog: CatalogCache }[],
): Promise<void> {
  await pollDataStores(setUp, DEFAULT_POLL_SETTINGS);
  // The tag first, so every catalog already holds it.
  await applyEvent(setUp, tenant.storeIds.at(-1) as number, 0);
  await Promise.all(others.map((ports) => ports.catalog.get()));
  await delay(1_100);
  await tenant.resetCounts();
}

/** What a poll alone came to. */
export interface PollAloneFigures {
  readonly requests: number;
  readonly refused: number;
  readonly pollSeconds: number;
}

/**
 * A poll with nothing else running (the usual case: tag writes are rare), after the same set-up
 * as the busy scenario, paced as the poller is in `pacing`.
 */
export async function runPollAlone(
  tenant: ScenarioTenant,
  pacing: ScenarioPacing,
): Promise<PollAloneFigures> {
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
  await setUpTenant(portsOf(client(tenant, pacing.tenant)), tenant, []);
  const poller = portsOf(client(tenant, pacing.poller, pacing.budget?.('poller', pacing.poller)));
  const started = performance.now();
  await pollDataStores(poller, DEFAULT_POLL_SETTINGS);
  const pollSeconds = (performance.now() - started) / 1000;
  return { ...(await tenant.counts()), pollSeconds };
}

async function applyEvent(ports: Parameters<typeof handleBackupEvent>[1], storeId: number, sequence: number) {
  const outcome = await handleBackupEvent(backupEvent(storeId, sequence), ports, protectionSettings());
  if (outcome.kind === 'malformed') throw new Error(`scenario event refused: ${outcome.reason}`);
}
