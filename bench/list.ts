/**
 * bench:list — how fast the client lists connected data stores against a tenant with real-world
 * latency and a rate limit, for each way a tenant's limiter may count (strict sliding window,
 * fixed window, token bucket; no RateLimit-* headers on success, so the client has only 429s and
 * Retry-After to learn from), against the plain sequential offset loop a user writes from the guide.
 *
 *   npm run bench:list            40,000 stores per limiter (about four minutes)
 *   npm run bench:list -- --quick 10,000 stores per limiter (about a minute and a half)
 *
 * Each run talks to its own simulator process (page size 100, 300 ms latency per request, 10
 * requests/s global limit). Figures go to stdout and to bench/RESULTS.md.
 */
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import type { RateLimiterKind } from '#simulator/rate-limit.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';
import { startSimulatorProcess } from './lib/simulator-process.ts';

const quick = process.argv.includes('--quick');
const STORES = quick ? 10_000 : 40_000;
const PAGE_SIZE = 100;
const LATENCY_MS = 300;
const RATE_LIMIT_RPS = 10;
const TOKEN = 'bench-token';
const KINDS: readonly RateLimiterKind[] = ['sliding-window', 'fixed-window', 'token-bucket'];

interface RunFigures {
  readonly label: string;
  readonly stores: number;
  readonly requests: number;
  readonly refused: number;
  readonly seconds: number;
}

function simulatorArgs(kind: RateLimiterKind): string[] {
  return [
    '--stores',
    String(STORES),
    '--latency-ms',
    String(LATENCY_MS),
    '--rate-limit',
    String(RATE_LIMIT_RPS),
    '--rate-limit-kind',
    kind,
    '--rate-limit-headers',
    'off',
  ];
}

async function main(): Promise<void> {
  const runs: RunFigures[] = [];
  for (const kind of KINDS) {
    const sim = await startSimulatorProcess(simulatorArgs(kind), TOKEN);
    try {
      progress(`listing ${STORES} stores with the client against a ${kind} limiter...`);
      runs.push(await runClient(sim.url, kind));
    } finally {
      await sim.stop();
    }
  }
  const sim = await startSimulatorProcess(simulatorArgs('sliding-window'), TOKEN);
  try {
    progress(`listing ${STORES} stores with a sequential offset loop...`);
    runs.push(await runSequential(sim.url));
  } finally {
    await sim.stop();
  }
  report(runs);
}

async function runClient(url: string, kind: RateLimiterKind): Promise<RunFigures> {
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
  return {
    label: `client, ${kind}`,
    stores,
    requests: client.stats.requests,
    refused: client.stats.throttled,
    seconds,
  };
}

/** What a user writes from the guide: one page after the other until `total` is reached. */
async function runSequential(url: string): Promise<RunFigures> {
  const started = performance.now();
  let stores = 0;
  let requests = 0;
  let refused = 0;
  for (let offset = 0, total = Number.POSITIVE_INFINITY; offset < total; offset += PAGE_SIZE) {
    const response = await fetch(
      `${url}/api/v2/dspm/data_stores/connected?offset=${offset}&limit=${PAGE_SIZE}`,
      { headers: { apikey: TOKEN } },
    );
    requests++;
    if (!response.ok) {
      await response.arrayBuffer();
      refused++;
      offset -= PAGE_SIZE;
      continue;
    }
    const page = (await response.json()) as { total: number; results: unknown[] };
    total = page.total;
    stores += page.results.length;
  }
  return {
    label: 'sequential offset loop (baseline), sliding-window',
    stores,
    requests,
    refused,
    seconds: (performance.now() - started) / 1000,
  };
}

function report(runs: readonly RunFigures[]): void {
  const sequential = runs.at(-1) as RunFigures;
  const sequentialRate = sequential.requests / sequential.seconds;
  const rows = runs.map((run) => {
    const rate = (run.requests - run.refused) / run.seconds;
    const refusedShare = run.refused / run.requests;
    return `| ${run.label} | ${run.stores} | ${run.requests} | ${run.refused} (${(refusedShare * 100).toFixed(2)} %) | ${run.seconds.toFixed(1)} | ${rate.toFixed(2)} | **${(rate / RATE_LIMIT_RPS).toFixed(3)}** | ${(rate / sequentialRate).toFixed(2)}x |`;
  });
  const lines = [
    `## bench:list${quick ? ' --quick' : ''}`,
    '',
    `${STORES.toLocaleString('en-US')} connected stores, page size ${PAGE_SIZE}, ${LATENCY_MS} ms latency per request, tenant limit ${RATE_LIMIT_RPS} requests/s, no RateLimit-* headers on success (a 429 carries only Retry-After).`,
    `Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
    '',
    '| run | stores | requests | refused (429) | seconds | admitted/s | of the bound | vs sequential |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Target: at least 0.9 of the ${RATE_LIMIT_RPS}/s bound with at most 1 % of requests refused, for each limiter.`,
  ];
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);
  recordSection(`bench-list${quick ? '-quick' : ''}`, markdown);
  const missed = runs.filter(
    (run, i) =>
      run.stores !== STORES ||
      (i < runs.length - 1 &&
        ((run.requests - run.refused) / run.seconds / RATE_LIMIT_RPS < 0.9 ||
          run.refused / run.requests > 0.01)),
  );
  if (missed.length > 0) {
    process.stderr.write(`bench:list: below target: ${missed.map((run) => run.label).join('; ')}\n`);
    process.exitCode = 1;
  }
}

function progress(message: string): void {
  process.stderr.write(`bench:list: ${message}\n`);
}

await main();
