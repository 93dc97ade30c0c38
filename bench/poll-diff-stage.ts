/**
 * bench:poll, stage 1 (run in its own process so its peak memory is its own): the CPU time and
 * peak RSS of the diff and event build for N stores with a share of them changed, against a
 * baseline measured in the same run: the common design that fingerprints every store each poll.
 *
 * Input: stores from the simulator's generator (as parsed by the client, already in memory), a
 * committed state from a silent baseline. Output: one JSON line on stdout.
 */

import type { ConnectedDataStore } from '#shared/dspm/schemas.ts';
import { assessStore } from '#shared/poll/assess-store.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import type { PollContext } from '#shared/risk/build-events.ts';
import { buildCatalog } from '#shared/risk/catalog.ts';
import { fingerprint, takeSnapshot } from '#shared/risk/snapshot.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { generateTenant } from '#simulator/scale.ts';

const storeCount = Number(process.argv[2] ?? 100_000);
const changedShare = Number(process.argv[3] ?? 0.01);

const tenant = generateTenant({ stores: storeCount });
const stores = tenant.stores as unknown as ConnectedDataStore[];
const context: PollContext = {
  tenant: 'bench.goskope.com',
  pollId: 'bench',
  source: 'netskope.dspm',
  test: true,
  bands: DEFAULT_POLL_SETTINGS.bands,
  catalog: buildCatalog({
    // The simulator's own types (an independent reading of the API) stand in for the client's here.
    platforms: tenant.platforms as never,
    connections: tenant.connections as never,
    services: tenant.services as never,
    tags: tenant.tags as never,
  }),
};
const watched = { watchedFields: DEFAULT_POLL_SETTINGS.watchedFields, minimumDeltas: {} };
const at = new Date('2026-11-22T10:00:00Z');

// The committed state: a silent baseline of every store.
const committed = new Map<number, StoreRecord>();
for (const store of stores) {
  const result = assessStore(store, undefined, at, context, { ...watched, silentBaseline: true });
  if (result.kind === 'quiet') committed.set(store.id, result.record);
}

global.gc?.();
const heapWithStateMb = process.memoryUsage().heapUsed / 2 ** 20;
const peakBeforeMb = process.resourceUsage().maxRSS / 1024;

// The next poll's listing: every k-th store has encryption flipped (the rest as before).
const every = changedShare > 0 ? Math.max(1, Math.round(1 / changedShare)) : 0;
const listed = stores.map((store, index) =>
  every > 0 && index % every === 0
    ? { ...store, encryption: store.encryption === 'On' ? 'Off' : 'On' }
    : store,
);

/** The median of five passes: one pass on a shared 2-core machine swings too much to compare. */
const measure = (work: () => number) => {
  const runs: { result: number; cpuMs: number; wallMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    global.gc?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = work();
    const used = process.cpuUsage(cpu);
    runs.push({ result, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started });
  }
  return runs.sort((a, b) => a.cpuMs - b.cpuMs)[2] as (typeof runs)[number];
};

// Ours: compare fields, build events only for changed stores.
const ours = measure(() => {
  let events = 0;
  const later = new Date(at.getTime() + 900_000);
  const settings = { ...watched, silentBaseline: false };
  for (const store of listed) {
    const result = assessStore(store, committed.get(store.id), later, context, settings);
    if (result.kind === 'changed' || result.kind === 'discovered') events++;
  }
  return events;
});

// Baseline: fingerprint every listed store and compare with the committed fingerprint.
const naive = measure(() => {
  let differing = 0;
  for (const store of listed) {
    if (fingerprint(takeSnapshot(store, watched.watchedFields)) !== committed.get(store.id)?.fingerprint)
      differing++;
  }
  return differing;
});

process.stdout.write(
  `${JSON.stringify({
    stores: storeCount,
    changed: ours.result,
    oursCpuMs: ours.cpuMs,
    oursWallMs: ours.wallMs,
    naiveCpuMs: naive.cpuMs,
    naiveDiffering: naive.result,
    // Heap holding the generated stores and the committed state (after a full collection), and
    // how much the measured pass raised the process's peak RSS.
    heapWithStateMb,
    passPeakRssIncreaseMb: process.resourceUsage().maxRSS / 1024 - peakBeforeMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
