/**
 * bench:list — how fast the client lists connected data stores against a tenant with real-world
 * latency and a rate limit, against the plain sequential offset loop a user writes from the guide.
 *
 *   npm run bench:list            100,000 stores (about six minutes)
 *   npm run bench:list -- --quick  10,000 stores (under a minute)
 *
 * Both runs talk to one simulator process (page size 100, 250 ms latency per request, 10
 * requests/s global limit). Figures go to stdout and to bench/RESULTS.md.
 */
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';
import { startSimulatorProcess } from './lib/simulator-process.ts';

const quick = process.argv.includes('--quick');
const STORES = quick ? 10_000 : 100_000;
const PAGE_SIZE = 100;
const LATENCY_MS = 250;
const RATE_LIMIT_RPS = 10;
const TOKEN = 'bench-token';

interface RunFigures {
  readonly stores: number;
  readonly pages: number;
  readonly seconds: number;
  readonly failed: number;
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess(
    ['--stores', String(STORES), '--latency-ms', String(LATENCY_MS), '--rate-limit', String(RATE_LIMIT_RPS)],
    TOKEN,
  );
  try {
    progress(`listing ${STORES} stores with the client...`);
    const client = await runClient(sim.url);
    progress(`listing ${STORES} stores with a sequential offset loop...`);
    const sequential = await runSequential(sim.url);
    report(client, sequential);
  } finally {
    await sim.stop();
  }
}

async function runClient(url: string): Promise<RunFigures> {
  const config = readDspmConfig({
    DSPM_TENANT_URL: url,
    DSPM_API_TOKEN: TOKEN,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: String(RATE_LIMIT_RPS),
    DSPM_PAGE_SIZE: String(PAGE_SIZE),
  });
  const client = createDspmClient(config);
  const started = performance.now();
  const listing = client.connectedDataStores();
  let stores = 0;
  for await (const _store of listing) stores++;
  const seconds = (performance.now() - started) / 1000;
  const report = listing.report();
  if (!report.complete) throw new Error(`client listing incomplete: ${report.reason}`);
  // Every retry is a request that failed (a 429 or an error); a clean run has none.
  return {
    stores,
    pages: client.stats.requests,
    seconds,
    failed: client.stats.retries + client.stats.failures,
  };
}

/** What a user writes from the guide: one page after the other until `total` is reached. */
async function runSequential(url: string): Promise<RunFigures> {
  const started = performance.now();
  let stores = 0;
  let pages = 0;
  let failed = 0;
  for (let offset = 0, total = Number.POSITIVE_INFINITY; offset < total; offset += PAGE_SIZE) {
    const response = await fetch(
      `${url}/api/v2/dspm/data_stores/connected?offset=${offset}&limit=${PAGE_SIZE}`,
      {
        headers: { apikey: TOKEN },
      },
    );
    pages++;
    if (!response.ok) {
      failed++;
      offset -= PAGE_SIZE;
      continue;
    }
    const page = (await response.json()) as { total: number; results: unknown[] };
    total = page.total;
    stores += page.results.length;
  }
  return { stores, pages, seconds: (performance.now() - started) / 1000, failed };
}

function report(client: RunFigures, sequential: RunFigures): void {
  const clientRate = client.pages / client.seconds;
  const sequentialRate = sequential.pages / sequential.seconds;
  const boundRatio = clientRate / RATE_LIMIT_RPS;
  const lines = [
    `## bench:list${quick ? ' --quick' : ''}`,
    '',
    `${STORES.toLocaleString('en-US')} connected stores, page size ${PAGE_SIZE}, ${LATENCY_MS} ms latency per request, tenant limit ${RATE_LIMIT_RPS} requests/s.`,
    `Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
    '',
    '| run | stores | requests | failed | seconds | pages/s |',
    '|---|---:|---:|---:|---:|---:|',
    `| client (paced, concurrent) | ${client.stores} | ${client.pages} | ${client.failed} | ${client.seconds.toFixed(1)} | ${clientRate.toFixed(2)} |`,
    `| sequential offset loop (baseline) | ${sequential.stores} | ${sequential.pages} | ${sequential.failed} | ${sequential.seconds.toFixed(1)} | ${sequentialRate.toFixed(2)} |`,
    '',
    `Client pages/s against the rate-limit bound (${RATE_LIMIT_RPS}/s): **${boundRatio.toFixed(3)}** (target at least 0.9). ` +
      `Client against the sequential loop: **${(clientRate / sequentialRate).toFixed(2)}x**.`,
  ];
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);
  recordSection(`bench-list${quick ? '-quick' : ''}`, markdown);
  if (client.failed > 0 || client.stores !== STORES || sequential.stores !== STORES) {
    process.stderr.write('bench:list: failed requests or missing stores\n');
    process.exitCode = 1;
  }
}

function progress(message: string): void {
  process.stderr.write(`bench:list: ${message}\n`);
}

await main();
