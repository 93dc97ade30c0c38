/**
 * One step of a poll in a fresh process, as one Lambda invocation would run it, for the poll
 * benchmarks (bench/poll.ts, bench/poll-chunked.ts). The committed state is in a state process
 * (bench/lib/state-server.ts), so this process's peak RSS is the step's own: Node, the AWS SDK
 * clients a poller Lambda loads, the DSPM client, the pages in hand. Events go through the real
 * EventBridge sink (batching, size rules) to a client stand-in that accepts every entry.
 *
 *   node bench/poll-step.ts <poll|whole|chunk|finish> --dspm URL --state URL [--tenant NAME]
 *       [--rps N] [--page-size N] [--concurrency N] [--run-id ID] [--chunk-ms N]
 *
 * `poll` is the streaming poll in one go (pollDataStores); `whole` the poll as it was before it
 * streamed (bench/lib/whole-in-memory-poll.ts); `chunk` one `pollChunk` of run `--run-id` that
 * starts no page after its start + `--chunk-ms`; `finish` that run's `finishPoll`. Prints one
 * JSON line of figures ({@link StepFigures}).
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
import { finishPoll } from '#shared/poll/finish-poll.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { pollChunk } from '#shared/poll/poll-chunk.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import type { PollOutcome, PollPorts } from '#shared/poll/poll-ports.ts';
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
const STEPS = ['poll', 'whole', 'chunk', 'finish'] as const;
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
const result = await runStepOf(step, ports);
const used = process.cpuUsage(cpu);
const figures: StepFigures = {
  step,
  ...result,
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

/** What the step's outcome says, in the figures' terms. */
type OutcomeFigures = Pick<StepFigures, 'status' | 'complete' | 'stores' | 'changed' | 'removed' | 'chunk'>;

function ofPoll(outcome: PollOutcome): OutcomeFigures {
  if (outcome.status !== 'completed') return { status: outcome.status, stores: 0 };
  const { complete, stores } = outcome.summary;
  return {
    status: 'completed',
    complete,
    stores: stores.seen,
    changed: stores.changed,
    removed: stores.removed,
  };
}

async function runStepOf(which: Step, ports: PollPorts): Promise<OutcomeFigures> {
  const runId = values['run-id'] ?? 'bench-run';
  switch (which) {
    case 'poll':
      return ofPoll(await pollDataStores(ports, DEFAULT_POLL_SETTINGS));
    case 'whole':
      return ofPoll(await pollWholeInMemory(ports, DEFAULT_POLL_SETTINGS));
    case 'chunk': {
      // The chunk's own clock starts here, as a Lambda invocation's would.
      const stopAtMs = Date.now() + Number(values['chunk-ms'] ?? 60_000);
      const outcome = await pollChunk(ports, DEFAULT_POLL_SETTINGS, { runId, stopAtMs });
      if (outcome.status === 'skipped') return { status: 'skipped', stores: 0 };
      return {
        status: outcome.status,
        stores: outcome.received,
        chunk: outcome.chunk,
        ...(outcome.status === 'listed' ? { complete: outcome.complete } : {}),
      };
    }
    case 'finish': {
      const outcome = await finishPoll(ports, DEFAULT_POLL_SETTINGS, { runId });
      return outcome.status === 'completed' ? ofPoll(outcome) : { status: outcome.status, stores: 0 };
    }
  }
}
