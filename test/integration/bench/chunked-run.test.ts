/**
 * The chunked run of bench:poll-chunked (bench/lib/tenant-run.ts): each chunk a fresh process
 * against a simulator process and a state process, until the pass is listed, then the finish in
 * another; the second run sees the changes and removals made between the two, and the finish
 * leaves no checkpoint behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeTenant } from '../../../bench/lib/change-stores.ts';
import { RemoteStateStore } from '../../../bench/lib/remote-state-store.ts';
import { type SimulatorProcess, startSimulatorProcess } from '../../../bench/lib/simulator-process.ts';
import { type StateProcess, startStateProcess } from '../../../bench/lib/state-process.ts';
import { runTenantPoll, type TenantRun } from '../../../bench/lib/tenant-run.ts';

const STORES = 500;
const TENANT = 'chunked.goskope.com';

describe('a chunked poll run of the benchmark, one process per step', () => {
  let sim: SimulatorProcess;
  let state: StateProcess;
  const run = (runId: string): TenantRun => ({
    dspmUrl: sim.url,
    stateUrl: state.url,
    tenant: TENANT,
    runId,
    mode: 'chunked',
    // 5 pages and the catalogs at 5 requests/s take about 2 s: several chunks of 0.8 s.
    rps: 5,
    pageSize: 100,
    chunkMs: 800,
  });

  beforeAll(async () => {
    sim = await startSimulatorProcess(['--stores', String(STORES), '--rate-limit', '5'], 'bench-token');
    state = await startStateProcess();
  });
  afterAll(async () => {
    await sim?.stop();
    await state?.stop();
  });

  it('lists in several chunks, finishes in its own process, and polls the changes the second time', async () => {
    // Act: a baseline run, then 10 % changed and 5 stores removed, then a second run.
    const baseline = await runTenantPoll(run('baseline'));
    const changes = await changeTenant(sim.url, { stores: STORES, share: 0.1, remove: 5 });
    const second = await runTenantPoll(run('second'));

    // Assert
    for (const figures of [baseline, second]) {
      expect(figures.chunks.length).toBeGreaterThan(1);
      expect(figures.chunks.slice(0, -1).every((chunk) => chunk.status === 'more')).toBe(true);
      expect(figures.chunks.at(-1)).toMatchObject({ status: 'listed', complete: true });
      expect(figures.chunks.map((chunk) => chunk.chunk)).toEqual(figures.chunks.map((_, i) => i + 1));
    }
    expect(baseline.finish).toMatchObject({
      status: 'completed',
      complete: true,
      stores: STORES,
      changed: 0,
    });
    expect(changes).toEqual({ changed: 50, removed: 5 });
    expect(second.finish).toMatchObject({
      status: 'completed',
      complete: true,
      stores: STORES - 5,
      changed: 50,
      removed: 5,
    });
    const remote = new RemoteStateStore(state.url);
    try {
      expect(await remote.loadCheckpoint(TENANT)).toBeUndefined();
      expect((await remote.loadMeta(TENANT))?.lastPollId).toBeDefined();
    } finally {
      remote.close();
    }
    // Each step is a process start: give the pair of runs room on a loaded machine.
  }, 120_000);
});
