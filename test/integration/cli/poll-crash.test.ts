/**
 * A real CLI poll (`node cli/main.ts poll --once`, file state, events to a moto bus whose rule
 * feeds an SQS spy queue) killed or interrupted while it runs against the simulator. After
 * `kill -9` the next poll takes the dead process's lease over at once and delivers every change,
 * each transition under one eventId however many runs sent it; Ctrl-C stops at a safe point once
 * and exits at once twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { StoreRecord } from '#shared/state/records.ts';
import { createRng } from '#simulator/prng.ts';
import type { RequestLogEntry } from '#simulator/request-log.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  createBus,
  motoClients,
  motoEnvironment,
  type SpyQueue,
  spyOnRule,
  uniqueName,
  useMotoEnvironment,
} from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { type CliProcess, startCliProcess } from '../../helpers/cli-process.ts';

const TOKEN = 'crash-suite-token-5e1a7c';
const SEED = 20261201;
/** 6 pages of 10 stores, one page at a time. */
const STORES = 60;
const PAGE_SIZE = 10;
const LAST_PAGE_OFFSET = STORES - PAGE_SIZE;
/** Stores that change after the baseline, spread over every page. */
const CHANGED = [3, 14, 25, 36, 47, 58];

type Delivered = { 'detail-type': string; detail: Record<string, unknown> };

describe('a CLI poll that is killed or interrupted', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  let sim: RunningSimulator;
  let onConnectedPage: ((entry: RequestLogEntry) => Promise<void>) | undefined;
  let directory: string;
  let stateFile: string;
  let env: Record<string, string>;
  let spy: SpyQueue;
  let tenant: string;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      tokens: [{ token: TOKEN, access: 'read-write' }],
      stores: STORES,
      seed: 5,
      latencyMs: 20,
      onRequest: async (entry) => {
        if (entry.route.includes('data_stores/connected')) await onConnectedPage?.(entry);
      },
    });
    tenant = new URL(sim.url).host;
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-crash-'));
  });
  beforeEach(async () => {
    sim.tenant.reset();
    onConnectedPage = undefined;
    stateFile = join(directory, `${uniqueName('state')}.json`);
    const busName = uniqueName('crash-bus');
    await createBus(clients.eventBridge, busName);
    spy = await spyOnRule(clients, busName, uniqueName('crash-all'), { source: ['netskope.dspm'] });
    env = {
      ...motoEnvironment(endpoint),
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
      DSPM_PAGE_SIZE: String(PAGE_SIZE),
      DSPM_CONCURRENCY: '1',
      EVENT_BUS_NAME: busName,
    };
  });
  afterEach(() => {
    // A failed assertion must not leave a poll running.
    for (const run of started.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const poll = (...extra: string[]) => {
    const run = startCliProcess(['poll', '--once', '--state', stateFile, ...extra], env);
    started.push(run);
    return run;
  };
  const savedState = () =>
    JSON.parse(readFileSync(stateFile, 'utf8')).tenants[tenant] as {
      lease?: { holder: string; owner?: { pid: number } };
      stores: StoreRecord[];
    };
  const sequences = () => new Map(savedState().stores.map((record) => [record.storeId, record.sequence]));
  const changes = (events: Delivered[]) =>
    events.filter((e) => e['detail-type'] === 'data-store-risk-changed');
  const storeOf = (event: Delivered) => (event.detail.dataStore as { id: number }).id;

  /** A completed baseline (in-process, to save a process start), then every store in `CHANGED` flips encryption. */
  async function baselineThenChange(): Promise<void> {
    const restore = useMotoEnvironment(endpoint);
    try {
      const baseline = await runCliCaptured(['poll', '--once', '--state', stateFile], env);
      expect(baseline.code).toBe(0);
    } finally {
      restore();
    }
    await spy.drain();
    for (const id of CHANGED)
      sim.tenant.updateStore(id, { encryption: sim.tenant.getStore(id)?.encryption === 'On' ? 'Off' : 'On' });
  }

  /**
   * Starts a poll and kills it with SIGKILL `delayMs` after it asks for the connected-stores page
   * at `offset` (at once: the page is held until the process is dead; later: it dies while it
   * publishes or commits). Resolves when the process ended, killed or not.
   */
  function killAt(offset: number, delayMs: number): Promise<CliProcess> {
    const run = poll();
    let fired = false;
    const kill = () => {
      run.child.kill('SIGKILL');
      return run.exited;
    };
    onConnectedPage = async (entry) => {
      if (fired || Number(entry.query.offset ?? 0) !== offset) return;
      fired = true;
      onConnectedPage = undefined;
      if (delayMs === 0) await kill();
      else setTimeout(kill, delayMs);
    };
    return run.exited.then(() => {
      onConnectedPage = undefined;
      return run;
    });
  }

  it(`delivers every change exactly as one transition after kill -9 at seeded moments (seed ${SEED})`, async () => {
    // Arrange
    await baselineThenChange();
    const rng = createRng(SEED);
    const moments = [
      ...Array.from({ length: 3 }, () => ({
        offset: rng.int(0, LAST_PAGE_OFFSET / PAGE_SIZE) * PAGE_SIZE,
        delayMs: 0,
      })),
      // After the last page: the poll dies while it publishes or commits.
      ...Array.from({ length: 3 }, () => ({ offset: LAST_PAGE_OFFSET, delayMs: rng.int(10, 150) })),
    ];
    const delivered: Delivered[] = [];
    // Act: each killed poll is followed by the next, which must run at once.
    for (const { offset, delayMs } of moments) {
      const victim = await killAt(offset, delayMs);
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const lease = savedState().lease;
      if (delayMs === 0) expect(lease?.owner?.pid).toBe(victim.pid);
      expect(victim.stderr()).not.toMatch(/skipped/);
      delivered.push(...(await spy.drain()));
    }
    const last = poll();
    const { code } = await last.exited;
    delivered.push(...(await spy.drain()));
    // Assert: the last poll ran (no "skipped"), found every change not yet committed, and finished.
    expect(code).toBe(0);
    expect(last.stderr()).not.toMatch(/skipped/);
    expect(last.stderr()).toMatch(/poll completed .* listing complete/);
    const state = savedState();
    expect(state.lease).toBeUndefined();
    for (const id of CHANGED) expect(sequences().get(id)).toBe(1);
    expect([...sequences().entries()].filter(([, sequence]) => sequence !== 0).map(([id]) => id)).toEqual(
      CHANGED,
    );
    // Every change was delivered; a change sent by several runs always kept its one eventId.
    const idsByStore = new Map<number, Set<string>>();
    for (const event of changes(delivered)) {
      expect(event.detail.sequence).toBe(1);
      const ids = idsByStore.get(storeOf(event)) ?? new Set();
      ids.add(String(event.detail.eventId));
      idsByStore.set(storeOf(event), ids);
    }
    expect([...idsByStore.keys()].sort((a, b) => a - b)).toEqual(CHANGED);
    for (const ids of idsByStore.values()) expect(ids.size).toBe(1);
  });

  it('continues a killed poll from its last checkpoint instead of listing it again', async () => {
    // Arrange: the fourth page answers slowly, so the run checkpoints after it (every 100 ms);
    // the run is killed when it asks for the last page.
    await baselineThenChange();
    const asked: number[] = [];
    const run = poll('--checkpoint-every', '100ms');
    onConnectedPage = async (entry) => {
      const offset = Number(entry.query.offset ?? 0);
      if (offset === 3 * PAGE_SIZE) await new Promise((resolve) => setTimeout(resolve, 200));
      if (offset === LAST_PAGE_OFFSET) {
        onConnectedPage = undefined;
        run.child.kill('SIGKILL');
        await run.exited;
      }
    };
    const exited = await run.exited;
    if (exited.signal !== 'SIGKILL')
      throw new Error(
        `the run was not killed (${JSON.stringify(exited)}): ${run.stderr()} / ${run.stdout()}`,
      );
    const checkpoint = (
      JSON.parse(readFileSync(stateFile, 'utf8')).tenants[tenant] as { checkpoint?: unknown }
    ).checkpoint;
    expect(checkpoint).toBeDefined();
    // Act
    onConnectedPage = async (entry) => {
      asked.push(Number(entry.query.offset ?? 0));
    };
    const next = poll('--json');
    const { code } = await next.exited;
    // Assert: the next run listed only what the checkpoint had not, and reported the whole pass.
    expect(code).toBe(0);
    expect(asked[0]).toBe(4 * PAGE_SIZE);
    expect(asked).not.toContain(0);
    expect(JSON.parse(next.stdout())).toMatchObject({ complete: true, stores: { seen: STORES } });
    const delivered = await spy.drain();
    expect(new Set(changes(delivered).map(storeOf))).toEqual(new Set(CHANGED));
    expect(
      (JSON.parse(readFileSync(stateFile, 'utf8')).tenants[tenant] as { checkpoint?: unknown }).checkpoint,
    ).toBeUndefined();
  });

  it('stops at a safe point on Ctrl-C: commits what was accepted, gives the lease back, exits 130', async () => {
    // Arrange
    await baselineThenChange();
    const run = poll('--json');
    // Act: Ctrl-C while the third page is asked for; that page answers only once the signal is in.
    onConnectedPage = async (entry) => {
      if (Number(entry.query.offset ?? 0) !== 2 * PAGE_SIZE) return;
      onConnectedPage = undefined;
      run.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    const { code } = await run.exited;
    // Assert
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/stopping at a safe point; press Ctrl-C again/);
    expect(JSON.parse(run.stdout())).toMatchObject({
      complete: false,
      incompleteReason: 'stopped before the listing finished',
      stores: { removed: 0 },
    });
    const state = savedState();
    expect(state.lease).toBeUndefined();
    const committed = CHANGED.filter((id) => sequences().get(id) === 1);
    const sent = changes(await spy.drain()).map(storeOf);
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(CHANGED.length);
    expect(sent.sort((a, b) => a - b)).toEqual(committed);
    // The next poll delivers the rest.
    const next = poll();
    expect((await next.exited).code).toBe(0);
    expect(
      changes(await spy.drain())
        .map(storeOf)
        .sort((a, b) => a - b),
    ).toEqual(CHANGED.filter((id) => !committed.includes(id)));
  });

  it('exits at once on a second Ctrl-C, and the next poll takes the lease over', async () => {
    // Arrange
    await baselineThenChange();
    const run = poll();
    // Act: two Ctrl-Cs while the second page is held back.
    let release: () => void = () => {};
    onConnectedPage = async (entry) => {
      if (Number(entry.query.offset ?? 0) !== PAGE_SIZE) return;
      onConnectedPage = undefined;
      run.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 200));
      run.child.kill('SIGINT');
      // Held until the process is gone (bounded, so a poll that does not exit fails the test, not the suite).
      await new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 10_000);
      });
    };
    const { code } = await run.exited;
    release();
    // Assert: it left before the page came back, so nothing was published or committed.
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/exiting at once\n/);
    expect(run.stderr()).not.toMatch(/poll completed/);
    expect(savedState().lease?.owner?.pid).toBe(run.pid);
    expect(changes(await spy.drain())).toEqual([]);
    const next = poll();
    expect((await next.exited).code).toBe(0);
    expect(next.stderr()).not.toMatch(/skipped/);
    expect(
      changes(await spy.drain())
        .map(storeOf)
        .sort((a, b) => a - b),
    ).toEqual(CHANGED);
  });
});
