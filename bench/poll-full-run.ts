/**
 * bench:poll, stage 2 (one process per scenario, so its peak memory is its own): a real poll of
 * the simulator through the client and the use case. State is the in-memory store, which counts
 * items exactly as the DynamoDB store writes them; events go through the real EventBridge sink
 * (batching, size rules) to a client stand-in that accepts everything and counts PutEvents calls.
 *
 *   node bench/poll-full-run.ts <simulator url> <changed share 0..1> [streaming|whole]
 *
 * `whole` runs the poll as it was before it streamed (bench/lib/whole-in-memory-poll.ts).
 */
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { pollDataStores } from '#shared/poll/poll-data-stores.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { pollWholeInMemory } from './lib/whole-in-memory-poll.ts';

const [url = '', shareText = '0.01', path = 'streaming'] = process.argv.slice(2);
const pollOnce = path === 'whole' ? pollWholeInMemory : pollDataStores;
const share = Number(shareText);
const TOKEN = 'bench-token';

// AWS cannot be reached from a benchmark; this stand-in accepts every entry of every PutEvents.
const acceptingClient = {
  send: async (command: PutEventsCommand) => ({
    $metadata: {},
    Entries: (command.input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
    FailedEntryCount: 0,
  }),
} as unknown as EventBridgeClient;

const dspm = createDspmClient(
  readDspmConfig({
    DSPM_TENANT_URL: url,
    DSPM_API_TOKEN: TOKEN,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: '1000',
    DSPM_PAGE_SIZE: '1000',
  }),
);
const state = new MemoryStateStore();
const sink = new EventBridgeSink({ client: acceptingClient, busName: 'bench' });
const ports = { dspm, state, sink, clock: systemClock, logger: silentLogger, tenant: 'bench.goskope.com' };

const baseline = await pollOnce(ports, DEFAULT_POLL_SETTINGS);
if (baseline.status !== 'completed' || !baseline.summary.complete)
  throw new Error('baseline poll incomplete');
const baselineItems = state.itemsWritten;
const baselineCalls = sink.stats.calls;

// Change every k-th store's encryption through the simulator's control API.
const total = baseline.summary.stores.seen;
const every = share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
const ids: number[] = [];
for (let id = 1; every > 0 && id <= total; id += every) ids.push(id);
for (let i = 0; i < ids.length; i += 64) {
  await Promise.all(
    ids.slice(i, i + 64).map(async (id) => {
      const store = (await (await fetch(`${url}/_sim/stores/${id}`)).json()) as { encryption: string };
      const response = await fetch(`${url}/_sim/stores/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ encryption: store.encryption === 'On' ? 'Off' : 'On' }),
      });
      // Read the body: an unread one keeps its socket out of the pool.
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`PATCH store ${id}: ${response.status}`);
    }),
  );
}

const cpu = process.cpuUsage();
const started = performance.now();
const poll = await pollOnce(ports, DEFAULT_POLL_SETTINGS);
const used = process.cpuUsage(cpu);
if (poll.status !== 'completed') throw new Error('poll skipped');
process.stdout.write(
  `${JSON.stringify({
    share,
    stores: total,
    changed: poll.summary.stores.changed,
    events: poll.summary.events.published,
    baselineItemsWritten: baselineItems,
    itemsWritten: state.itemsWritten - baselineItems,
    putEventsCalls: sink.stats.calls - baselineCalls,
    dspmRequests: poll.summary.dspm.requests,
    pollWallMs: performance.now() - started,
    pollCpuMs: (used.user + used.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
