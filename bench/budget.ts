/**
 * bench:budget — the bridge's DSPM consumers against one tenant counting in a strict one-second
 * sliding window with no RateLimit-* headers:
 *
 * 1. The poller, two tagger instances and the sweep at once at 10 requests/s, each paced at the
 *    whole limit (what every function did before the budget was shared) and at the static split
 *    (shared/budget/static-split.ts): the first baseline, kept from before the budget on demand.
 * 2. At the default 5 requests/s, the static split (the baseline, measured in the same run) against
 *    the budget on demand (shared/budget/on-demand-budget.ts) through the state table's item in
 *    moto: a poll alone (its fraction of the tenant's bound, requests / limit), and the four at
 *    once with the taggers and the sweep arriving while the poll lists (refusals, tag writes).
 *    The coordination's DynamoDB units are counted by DynamoDB's rules (bench/lib/capacity-meter.ts).
 *
 *   npm run bench:budget            about five minutes
 *
 * Figures go to stdout and to bench/RESULTS.md.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BUDGET_TIMING } from '#shared/budget/on-demand-budget.ts';
import { rateBudget } from '#shared/budget/static-split.ts';
import { silentLogger } from '#shared/logger.ts';
import { budgetGateFor, readBudgetConfig } from '#shared/roots/budget-gate.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { MOTO_AWS, startMoto } from '../cli/local-aws.ts';
import { createStateTable } from '../test/helpers/aws.ts';
import {
  type BudgetRole,
  runBudgetScenario,
  runPollAlone,
  type ScenarioFigures,
  type ScenarioPacing,
  type ScenarioTenant,
  simulatedTenant,
} from './lib/budget-scenario.ts';
import { type Capacity, meterCapacity } from './lib/capacity-meter.ts';
import { PRICES } from './lib/cost-prices.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';

const TENANT_RPS = 10;
const DEFAULT_RPS = 5;
const STORES = 10_000;
const STORES_AT_DEFAULT = 6_000;
const EVENTS_PER_TAGGER = 10;
const LATENCY_MS = 100;
/** The taggers and the sweep arrive this long after the poll started (a hand-over under way). */
const OTHERS_AFTER_MS = 3_000;
const TOKEN = 'bench-token';
/** bench:cost's 100,000-store poll: 1,000 pages and 4 catalog requests; polled every 15 minutes. */
const REQUESTS_100K = 1_004;
const POLLS_PER_MONTH = 2_880;

async function withTenant<T>(stores: number, limit: number, work: (tenant: ScenarioTenant) => Promise<T>) {
  const sim: RunningSimulator = await startSimulator({
    stores,
    latencyMs: LATENCY_MS,
    rateLimitRps: limit,
    tokens: [{ token: TOKEN, access: 'read-write' }],
  });
  try {
    return await work(simulatedTenant(sim, TOKEN, 100));
  } finally {
    await sim.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const moto = await startMoto({ neededFor: 'bench:budget' });
const dynamoDb = new DynamoDBClient({ endpoint: moto.endpoint, ...MOTO_AWS });

/** The budget on demand as the stack configures it, on a fresh state table, metered. */
async function onDemand(limit: number): Promise<{ pacing: ScenarioPacing; capacity: Capacity }> {
  const tableName = `budget-${Date.now()}`;
  await createStateTable(dynamoDb, tableName);
  // A client of its own: the meter is middleware on the client's stack.
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: moto.endpoint, ...MOTO_AWS }));
  const capacity = meterCapacity(documents);
  const budget = (role: BudgetRole, staticRps: number) =>
    budgetGateFor(
      readBudgetConfig({
        DSPM_RATE_BUDGET_MODE: role === 'poller' ? 'holder' : 'demander',
        DSPM_TENANT_RATE_LIMIT_RPS: String(limit),
        STATE_TABLE_NAME: tableName,
      }),
      { dynamoDb: () => documents, logger: silentLogger, tenant: 'bench.example', role, staticRps },
    );
  return { pacing: { tenant: limit, ...rateBudget(limit), budget }, capacity };
}
const units = (capacity: Capacity) =>
  capacity.writeUnits + capacity.fixedWriteUnits + capacity.readUnits + capacity.fixedReadUnits;

try {
  // 1. The baseline kept from before: whole limit each, and the static split, at 10 requests/s.
  const busyRow = (label: string, rps: string, figures: ScenarioFigures, extra = '') => {
    const tag = figures.tagWriteMs;
    const refusedShare = (figures.refused / figures.requests) * 100;
    return `| ${label} | ${rps} | ${figures.requests} | ${figures.refused} (${refusedShare.toFixed(2)} %) | ${figures.pollSeconds.toFixed(1)} | ${tag.length} | ${(percentile(tag, 50) / 1000).toFixed(2)} | ${(percentile(tag, 95) / 1000).toFixed(2)} | ${(Math.max(...tag) / 1000).toFixed(2)} | ${figures.writesDuringPoll} |${extra}`;
  };
  process.stderr.write('bench:budget: 10 requests/s, every function at the whole limit...\n');
  const whole = await withTenant(STORES, TENANT_RPS, (tenant) =>
    runBudgetScenario(
      tenant,
      { tenant: TENANT_RPS, poller: TENANT_RPS, taggerPerInstance: TENANT_RPS, coverage: TENANT_RPS },
      EVENTS_PER_TAGGER,
    ),
  );
  process.stderr.write('bench:budget: 10 requests/s, the static split...\n');
  const split10 = rateBudget(TENANT_RPS);
  const shared = await withTenant(STORES, TENANT_RPS, (tenant) =>
    runBudgetScenario(tenant, { tenant: TENANT_RPS, ...split10 }, EVENTS_PER_TAGGER),
  );

  // 2. The default 5 requests/s: static split against the budget on demand.
  const split5 = rateBudget(DEFAULT_RPS);
  process.stderr.write('bench:budget: 5 requests/s, a poll alone, static split...\n');
  const aloneStatic = await withTenant(STORES, DEFAULT_RPS, (tenant) =>
    runPollAlone(tenant, { tenant: DEFAULT_RPS, ...split5 }),
  );
  process.stderr.write('bench:budget: 5 requests/s, a poll alone, budget on demand...\n');
  const aloneBudget = await onDemand(DEFAULT_RPS);
  const aloneOnDemand = await withTenant(STORES, DEFAULT_RPS, (tenant) =>
    runPollAlone(tenant, aloneBudget.pacing),
  );
  process.stderr.write('bench:budget: 5 requests/s, all four at once, static split...\n');
  const busyStatic = await withTenant(STORES_AT_DEFAULT, DEFAULT_RPS, (tenant) =>
    runBudgetScenario(tenant, { tenant: DEFAULT_RPS, ...split5 }, EVENTS_PER_TAGGER, OTHERS_AFTER_MS),
  );
  process.stderr.write('bench:budget: 5 requests/s, all four at once, budget on demand...\n');
  const busyBudget = await onDemand(DEFAULT_RPS);
  const busyOnDemand = await withTenant(STORES_AT_DEFAULT, DEFAULT_RPS, (tenant) =>
    runBudgetScenario(tenant, busyBudget.pacing, EVENTS_PER_TAGGER, OTHERS_AFTER_MS),
  );

  const fraction = (figures: { requests: number; refused: number; pollSeconds: number }) =>
    (figures.requests - figures.refused) / DEFAULT_RPS / figures.pollSeconds;
  const aloneRow = (
    label: string,
    rps: string,
    figures: Awaited<ReturnType<typeof runPollAlone>>,
    extra: string,
  ) =>
    `| ${label} | ${rps} | ${figures.requests} | ${figures.refused} | ${figures.pollSeconds.toFixed(1)} | ${((figures.requests - figures.refused) / DEFAULT_RPS).toFixed(1)} | **${fraction(figures).toFixed(2)}** | ${extra} |`;
  const aloneUnits = units(aloneBudget.capacity);
  const unitsPerRequest = aloneUnits / aloneOnDemand.requests;
  const unitsPerSecond = aloneUnits / aloneOnDemand.pollSeconds;
  const poll100kSeconds = REQUESTS_100K / (DEFAULT_RPS * (1 - 0.05));
  const units100k = unitsPerSecond * poll100kSeconds;
  const busyUnits = units(busyBudget.capacity);
  const tagP95 = percentile(busyOnDemand.tagWriteMs, 95) / 1000;
  const busyRefused = busyOnDemand.refused / busyOnDemand.requests;

  const markdown = [
    '## bench:budget',
    '',
    `Strict one-second sliding window, no RateLimit-* headers, ${LATENCY_MS} ms latency. Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
    '',
    `### Poller, two taggers and the sweep at once, ${TENANT_RPS} requests/s (the first baseline)`,
    '',
    `${STORES.toLocaleString('en-US')} stores, ${EVENTS_PER_TAGGER} backup events per tagger, all four starting together.`,
    '',
    '| pacing | poller / tagger / sweep rps | requests | refused (429) | poll s | tag writes | write p50 s | write p95 s | write max s | writes during the poll |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    busyRow(
      'every function paced at the whole limit (baseline)',
      `${TENANT_RPS} / ${TENANT_RPS} x2 / ${TENANT_RPS}`,
      whole,
    ),
    busyRow(
      'the static split',
      `${split10.poller} / ${split10.taggerPerInstance} x2 / ${split10.coverage}`,
      shared,
    ),
    '',
    `### A poll alone at the default ${DEFAULT_RPS} requests/s`,
    '',
    `${STORES.toLocaleString('en-US')} stores. The tenant's bound is the poll's requests / the limit; the fraction is bound / poll time.`,
    '',
    '| pacing | poller rps | requests | refused | poll s | bound s | fraction of bound | coordination |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    aloneRow(
      'static split (baseline, shared/budget/static-split.ts)',
      String(split5.poller),
      aloneStatic,
      'none',
    ),
    aloneRow(
      'budget on demand (shared/budget/)',
      `${rateBudget(DEFAULT_RPS).poller} static, ${DEFAULT_RPS} held`,
      aloneOnDemand,
      `${aloneBudget.capacity.calls} UpdateItem, ${aloneUnits} write units (${unitsPerRequest.toFixed(2)} per DSPM request, ${unitsPerSecond.toFixed(1)} per second)`,
    ),
    '',
    `### All four at once at the default ${DEFAULT_RPS} requests/s`,
    '',
    `${STORES_AT_DEFAULT.toLocaleString('en-US')} stores, ${EVENTS_PER_TAGGER} backup events per tagger one after the other; the taggers and the sweep arrive ${OTHERS_AFTER_MS / 1000} s into the poll (with the budget on demand: while the poller holds the whole limit, so every first tag write waits out the hand-over).`,
    '',
    '| pacing | poller / tagger / sweep rps | requests | refused (429) | poll s | tag writes | write p50 s | write p95 s | write max s | writes during the poll | coordination |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    busyRow(
      'static split (baseline)',
      `${split5.poller} / ${split5.taggerPerInstance} x2 / ${split5.coverage}`,
      busyStatic,
      ' none |',
    ),
    busyRow(
      'budget on demand',
      `${DEFAULT_RPS} held, then ${split5.poller} / ${split5.taggerPerInstance} x2 / ${split5.coverage}`,
      busyOnDemand,
      ` ${busyBudget.capacity.calls} UpdateItem, ${busyUnits} write units (${(busyUnits / busyOnDemand.requests).toFixed(2)} per DSPM request) |`,
    ),
    '',
    `Coordination cost of a 100,000-store poll alone (${REQUESTS_100K.toLocaleString('en-US')} requests at ${DEFAULT_RPS} requests/s less 5 %, ${poll100kSeconds.toFixed(0)} s): about ${Math.round(units100k)} write units, $${(units100k * PRICES.dynamoDbWriteUnit).toFixed(5)} a poll, $${(units100k * PRICES.dynamoDbWriteUnit * POLLS_PER_MONTH).toFixed(2)} a month at a poll every 15 minutes (${PRICES.region} on demand, read ${PRICES.readOn}). Lease ${BUDGET_TIMING.leaseMs} ms renewed ${BUDGET_TIMING.renewAheadMs} ms before it ends; demand announced for ${BUDGET_TIMING.demandMs} ms; hand-over wait at most ${BUDGET_TIMING.leaseMs + BUDGET_TIMING.windowMs + BUDGET_TIMING.guardMs} ms.`,
    '',
    `Targets: a poll alone at ${DEFAULT_RPS} requests/s at least 0.9 of the bound (**${fraction(aloneOnDemand).toFixed(2)}**, static split ${fraction(aloneStatic).toFixed(2)}); all four at once under 1 % refused (**${(busyRefused * 100).toFixed(2)} %**) and tag writes' p95 under 3 s (**${tagP95.toFixed(2)} s**).`,
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  recordSection('bench-budget', markdown);
  const belowTarget =
    fraction(aloneOnDemand) < 0.9 ||
    busyRefused >= 0.01 ||
    tagP95 >= 3 ||
    busyOnDemand.writesDuringPoll === 0;
  if (belowTarget || shared.refused / shared.requests > 0.01) {
    process.stderr.write('bench:budget: below target\n');
    process.exitCode = 1;
  }
} finally {
  await moto.stop();
}
