/**
 * bench:cost — what a poll costs, and a month of polls: Lambda GB-seconds, DynamoDB read and write
 * units by DynamoDB's rules (bench/lib/capacity-meter.ts), PutEvents entries, Step Functions
 * transitions and DSPM requests, for main's read path (every record read: the fingerprint index
 * turned off) and this code's (the index), in the same run, priced at bench/lib/cost-prices.ts.
 *
 *   npm run bench:cost                     1,000 stores measured on moto, scaled to 10k / 100k / 1M
 *   npm run bench:cost -- --stores 5000    measure more
 *
 * Measured: one tenant in the simulator, state in moto's DynamoDB through the real store, a
 * baseline poll, then an unchanged poll and a poll with 1 % of the stores changed; each poll's
 * units, entries and DSPM requests are counted. Scaled: per-store figures times the tenant size
 * (every cost here grows with stores or pages; the few fixed items, lease and meta, are scaled
 * too, which overstates small tenants slightly). Lambda time is modelled, not measured: a poll is
 * bound by the poller's DSPM pace (requests / (0.95 x its pace)), not by its CPU (measured below):
 * main's static share of the limit, this code's whole limit held through the budget on demand.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BUDGET_TIMING } from '#shared/budget/on-demand-budget.ts';
import { pollOnlyBudget, rateBudget } from '#shared/budget/static-split.ts';
import { systemClock } from '#shared/clock.ts';
import type { BusEvent, PollCompletedDetail } from '#shared/events/contract.ts';
import type { EventSink, PublishResult } from '#shared/events/sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { startSimulator } from '#simulator/server.ts';
import { MOTO_AWS, startMoto } from '../cli/local-aws.ts';
import { FUNCTION_SIZES } from '../infra/function-sizes.ts';
import { createStateTable } from '../test/helpers/aws.ts';
import { testClient } from '../test/helpers/dspm-client.ts';
import { type Capacity, meterCapacity } from './lib/capacity-meter.ts';
import { PRICES } from './lib/cost-prices.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';

const { values } = parseArgs({ options: { stores: { type: 'string', default: '1000' } } });
const MEASURED = Number(values.stores);
if (!Number.isInteger(MEASURED) || MEASURED < 200 || MEASURED > 20_000) {
  process.stderr.write('bench:cost: --stores must be a whole number from 200 to 20000\n');
  process.exit(2);
}
const SIZES = [10_000, 100_000, 1_000_000];
const TENANT_RPS = 5;
/** Seconds of listing per chunk (three fifths of the 10-minute timeout, less 5 s). */
const CHUNK_SECONDS = 355;
const MONTH_S = 30 * 24 * 3600;
const POLL_EVERY_S = 15 * 60;

class CountingSink implements EventSink {
  entries = 0;
  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    this.entries += events.length;
    return events.map(() => ({ ok: true }));
  }
}

interface PollFigures {
  /** Units on items that grow with the tenant, and on its fixed items. */
  readUnits: number;
  writeUnits: number;
  fixedUnits: { read: number; write: number };
  entries: number;
  /** DSPM requests for pages, and for the rest (catalogs). */
  pages: number;
  otherRequests: number;
  cpuMs: number;
}

interface Variant {
  readonly label: string;
  readonly indexed: boolean;
  readonly memoryMb: number;
  readonly pollerRps: number;
  /** Write units per second of polling the rate budget's coordination costs (0: the static split). */
  readonly budgetWritesPerSecond: number;
}

/**
 * The budget on demand (shared/budget/on-demand-budget.ts): at most one claim of the whole-budget
 * lease per `leaseMs - renewAheadMs` while the poll runs, one write unit each (an item far under
 * 1 KB). An upper bound; bench:budget measures what a poll really spends.
 */
const BUDGET_WRITES_PER_SECOND = 1000 / (BUDGET_TIMING.leaseMs - BUDGET_TIMING.renewAheadMs);

const VARIANTS: Variant[] = [
  {
    label: 'main (baseline)',
    indexed: false,
    memoryMb: 1024,
    pollerRps: rateBudget(TENANT_RPS).poller,
    budgetWritesPerSecond: 0,
  },
  {
    label: 'this branch',
    indexed: true,
    memoryMb: FUNCTION_SIZES.poller.memoryMb,
    // A poll alone holds the whole limit (the tagger and the sweep rarely need theirs).
    pollerRps: pollOnlyBudget(TENANT_RPS),
    budgetWritesPerSecond: BUDGET_WRITES_PER_SECOND,
  },
];

const moto = await startMoto({ neededFor: 'bench:cost' });
const sim = await startSimulator({ stores: MEASURED, seed: 24 });
const tenant = new URL(sim.url).host;
const measured: Record<string, { unchanged: PollFigures; changed: PollFigures; storageBytes: number }> = {};
try {
  for (const variant of VARIANTS) {
    sim.tenant.reset();
    const dynamoDb = new DynamoDBClient({ endpoint: moto.endpoint, ...MOTO_AWS });
    const tableName = `cost-${variant.indexed ? 'index' : 'main'}-${Date.now()}`;
    await createStateTable(dynamoDb, tableName);
    const client = DynamoDBDocumentClient.from(dynamoDb);
    const capacity = meterCapacity(client);
    const store = new DynamoDbStateStore({ client, tableName });
    // Main's read path: the same store with its index hidden, so every page reads its records.
    const state = variant.indexed ? store : Object.assign(store, { readFingerprintBuckets: undefined });
    const poll = async (): Promise<PollFigures> => {
      const sink = new CountingSink();
      const before = { ...capacity } satisfies Capacity;
      const cpu = process.cpuUsage();
      const outcome = await pollDataStores(
        { dspm: testClient(sim.url), state, sink, clock: systemClock, logger: silentLogger, tenant },
        DEFAULT_POLL_SETTINGS,
      );
      const used = process.cpuUsage(cpu);
      const summary = (outcome as { summary: PollCompletedDetail }).summary;
      return {
        readUnits: capacity.readUnits - before.readUnits,
        writeUnits: capacity.writeUnits - before.writeUnits,
        fixedUnits: {
          read: capacity.fixedReadUnits - before.fixedReadUnits,
          write: capacity.fixedWriteUnits - before.fixedWriteUnits,
        },
        entries: sink.entries,
        pages: summary.dspm.pages,
        otherRequests: summary.dspm.requests - summary.dspm.pages,
        cpuMs: (used.user + used.system) / 1000,
      };
    };
    process.stderr.write(`bench:cost: ${variant.label}: baseline poll of ${MEASURED} stores...\n`);
    await poll();
    // The first poll after a baseline walks the records for removals (and, here, vouches for the index).
    await poll();
    process.stderr.write(`bench:cost: ${variant.label}: unchanged poll...\n`);
    const unchanged = await poll();
    const stores = sim.tenant.listStores();
    for (let i = 0; i < stores.length; i += 100) {
      const store = stores[i];
      if (store) sim.tenant.updateStore(store.id, { total_alert_count: store.total_alert_count + 1 });
    }
    process.stderr.write(`bench:cost: ${variant.label}: 1 % changed...\n`);
    const changed = await poll();
    const items = await state.loadStores(tenant);
    let storageBytes = 0;
    for (const record of items.values()) storageBytes += 100 + Buffer.byteLength(JSON.stringify(record));
    measured[variant.label] = { unchanged, changed, storageBytes };
  }
} finally {
  await sim.close();
  await moto.stop();
}

const money = (dollars: number) => `$${dollars < 10 ? dollars.toFixed(2) : dollars.toFixed(0)}`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');

interface Row {
  variant: string;
  stores: number;
  changedLabel: string;
  readUnits: number;
  writeUnits: number;
  entries: number;
  dspmRequests: number;
  gbSeconds: number;
  transitions: number;
  pollS: number;
  pollsPerMonth: number;
  monthly: number;
}

const rows: Row[] = [];
for (const variant of VARIANTS) {
  const figures = measured[variant.label];
  if (!figures) continue;
  for (const stores of SIZES) {
    const scale = stores / MEASURED;
    for (const [changedLabel, poll] of [
      ['0 %', figures.unchanged],
      ['1 %', figures.changed],
    ] as const) {
      // Pages, store items and store events grow with the tenant; catalogs, the tenant's own
      // items and the summary do not.
      const dspmRequests = poll.otherRequests + poll.pages * scale;
      const readUnits = poll.fixedUnits.read + poll.readUnits * scale;
      const pollS = dspmRequests / (variant.pollerRps * 0.95);
      const writeUnits =
        poll.fixedUnits.write + poll.writeUnits * scale + variant.budgetWritesPerSecond * pollS;
      const entries = 1 + (poll.entries - 1) * scale;
      const chunks = Math.max(1, Math.ceil(pollS / CHUNK_SECONDS));
      const gbSeconds = (variant.memoryMb / 1024) * pollS;
      // Per execution: the tenant list, the Map, the outcome check and its end; per tenant: its
      // iteration, the finish and its Choice, the outcome; per chunk: the task and its Choice.
      const transitions = 4 + 4 + 2 * chunks;
      // 15 minutes, or back to back when a poll takes longer (the lease skips the overlap).
      const pollsPerMonth = MONTH_S / Math.max(POLL_EVERY_S, pollS);
      const perPoll =
        gbSeconds * PRICES.lambdaGbSecond +
        (chunks + 1) * PRICES.lambdaRequest +
        readUnits * PRICES.dynamoDbReadUnit +
        writeUnits * PRICES.dynamoDbWriteUnit +
        transitions * PRICES.stepFunctionsTransition +
        entries * PRICES.eventBridgeEntry;
      const storageGb = ((figures.storageBytes * scale) / 1e9) * 3; // the item and its two index copies
      const monthly =
        perPoll * pollsPerMonth + storageGb * (PRICES.dynamoDbStorageGbMonth + PRICES.dynamoDbPitrGbMonth);
      rows.push({
        variant: variant.label,
        stores,
        changedLabel,
        readUnits,
        writeUnits,
        entries,
        dspmRequests,
        gbSeconds,
        transitions,
        pollS,
        pollsPerMonth,
        monthly,
      });
    }
  }
}

const cpuLine = VARIANTS.map((variant) => {
  const figures = measured[variant.label];
  return `${variant.label}: ${figures ? `${Math.round(figures.unchanged.cpuMs)} ms unchanged, ${Math.round(figures.changed.cpuMs)} ms at 1 %` : 'not measured'}`;
}).join('; ');
const main100k = rows.find(
  (row) => row.variant === 'main (baseline)' && row.stores === 100_000 && row.changedLabel === '0 %',
);
const ours100k = rows.find(
  (row) => row.variant === 'this branch' && row.stores === 100_000 && row.changedLabel === '0 %',
);
const readShare = main100k && ours100k ? (ours100k.readUnits / main100k.readUnits) * 100 : Number.NaN;
const markdown = [
  '## bench:cost',
  '',
  `Measured: ${MEASURED.toLocaleString('en-US')} stores (simulator, no latency) with state in moto's DynamoDB through the real store; units counted by DynamoDB's rules from each request and response. Scaled linearly to 10,000, 100,000 and 1,000,000 stores (not run at those sizes on this shared machine). Lambda time modelled from the DSPM requests at the poller's pace (less 5 % headroom); CPU per measured poll (${cpuLine}) is far below it. Prices: ${PRICES.region}, on demand, read ${PRICES.readOn}, free tiers left out; month = 30 days, a poll every 15 minutes or back to back when a poll takes longer; storage with point-in-time recovery and both index copies. Other helpers' work shared the 2 cores during the run.`,
  `Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
  '',
  '| code | stores | changed | read units / poll | write units / poll | PutEvents entries / poll | DSPM requests / poll | poll s (modelled) | Lambda GB-s / poll | SFN transitions / poll | polls / month | $ / month |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (row) =>
      `| ${row.variant} | ${count(row.stores)} | ${row.changedLabel} | ${count(row.readUnits)} | ${count(row.writeUnits)} | ${count(row.entries)} | ${count(row.dspmRequests)} | ${count(row.pollS)} | ${count(row.gbSeconds)} | ${row.transitions} | ${count(row.pollsPerMonth)} | ${money(row.monthly)} |`,
  ),
  '',
  `Main paces the poller at its static share (${rateBudget(TENANT_RPS).poller} of ${TENANT_RPS} requests/s); this branch at the whole limit it holds while the tagger and the sweep need none of it (${pollOnlyBudget(TENANT_RPS)} requests/s, shared/budget/on-demand-budget.ts), its write units including the lease's claims (at most ${BUDGET_WRITES_PER_SECOND} a second of polling, one unit each).`,
  `Unchanged 100,000-store poll: read units ${count(ours100k?.readUnits ?? Number.NaN)} against ${count(main100k?.readUnits ?? Number.NaN)} on main, **${readShare.toFixed(2)} %** (target: at most 2 %).`,
].join('\n');
process.stdout.write(`${markdown}\n`);
recordSection('bench-cost', markdown);
