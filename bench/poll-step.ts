/**
 * One step of a poll in a fresh process, as one Lambda invocation would run it, for the poll
 * benchmarks (bench/poll.ts, bench/poll-chunked.ts). The committed state is in a state process
 * (bench/lib/state-server.ts), so this process's peak RSS is the step's own: Node, the AWS SDK
 * clients a poller Lambda loads, the DSPM client, the pages in hand. Events go through the real
 * EventBridge sink (batching, size rules) to a client stand-in that accepts every entry.
 *
 *   node bench/poll-step.ts <poll|whole> --dspm URL --state URL [--tenant NAME] [--rps N] [--page-size N]
 *
 * `poll` is the streaming poll (pollDataStores); `whole` the poll as it was before it streamed
 * (bench/lib/whole-in-memory-poll.ts). Prints one JSON line of figures ({@link StepFigures}).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { pollDataStores } from '#shared/poll/poll-data-stores.ts';
import { RemoteStateStore } from './lib/remote-state-store.ts';
import type { StepFigures } from './lib/step-figures.ts';
import { pollWholeInMemory } from './lib/whole-in-memory-poll.ts';

const TOKEN = 'bench-token';

/** The heap still reachable after the step (a full collection first, when --expose-gc allows). */
function liveHeapMb(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
const STEPS = ['poll', 'whole'] as const;
type Step = (typeof STEPS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dspm: { type: 'string' },
    state: { type: 'string' },
    tenant: { type: 'string', default: 'bench.goskope.com' },
    rps: { type: 'string', default: '1000' },
    'page-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    // Of the chunked steps: the run's lease holder, and how long a chunk lists.
    'run-id': { type: 'string' },
    'chunk-ms': { type: 'string' },
  },
});
const step = positionals[0] as Step;
if (!STEPS.includes(step) || !values.dspm || !values.state) {
  throw new Error(
    `usage: node bench/poll-step.ts <${STEPS.join('|')}> --dspm URL --state URL [--tenant NAME]`,
  );
}

// The clients a poller Lambda builds at its cold start, built here for their memory alone: state
// goes to the state process, and AWS cannot be reached from a benchmark.
const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
const acceptingClient = {
  send: async (command: PutEventsCommand) => ({
    $metadata: {},
    Entries: (command.input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
    FailedEntryCount: 0,
  }),
} as unknown as EventBridgeClient;

const dspm = createDspmClient(
  readDspmConfig({
    DSPM_TENANT_URL: values.dspm,
    DSPM_API_TOKEN: TOKEN,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: values.rps,
    DSPM_PAGE_SIZE: values['page-size'],
    DSPM_CONCURRENCY: values.concurrency,
  }),
);
const state = new RemoteStateStore(values.state);
const sink = new EventBridgeSink({ client: acceptingClient, busName: 'bench' });
const ports = { dspm, state, sink, clock: systemClock, logger: silentLogger, tenant: values.tenant };

// Before the step: Node, the modules and the clients, what every invocation starts with.
const startRssMb = process.memoryUsage.rss() / 2 ** 20;
const cpu = process.cpuUsage();
const started = performance.now();
const outcome = await (step === 'whole' ? pollWholeInMemory : pollDataStores)(ports, DEFAULT_POLL_SETTINGS);
const used = process.cpuUsage(cpu);
if (outcome.status !== 'completed') throw new Error(`poll skipped: ${outcome.reason}`);
const figures: StepFigures = {
  step,
  status: outcome.status,
  complete: outcome.summary.complete,
  stores: outcome.summary.stores.seen,
  changed: outcome.summary.stores.changed,
  removed: outcome.summary.stores.removed,
  events: sink.stats.published,
  putEventsCalls: sink.stats.calls,
  itemsWritten: state.itemsWritten,
  dspmRequests: dspm.stats.requests,
  dspmThrottled: dspm.stats.throttled,
  wallMs: performance.now() - started,
  cpuMs: (used.user + used.system) / 1000,
  startRssMb,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  liveHeapMb: liveHeapMb(),
};
state.close();
dynamoDb.destroy();
eventBridge.destroy();
process.stdout.write(`${JSON.stringify(figures)}\n`);
