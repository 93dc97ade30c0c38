/**
 * bench:budget — the poller, two tagger instances and the coverage sweep at once against one
 * tenant with a strict 10 requests/s sliding window and no RateLimit-* headers, first each
 * paced at the whole limit (what every function did before the budget was shared: the baseline),
 * then at the shares the stack gives them (infra/rate-budget.ts).
 *
 *   npm run bench:budget            10,000 stores, 10 backup events per tagger (about a minute)
 *
 * Figures go to stdout and to bench/RESULTS.md.
 */
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { rateBudget } from '../infra/rate-budget.ts';
import {
  runBudgetScenario,
  type ScenarioFigures,
  type ScenarioPacing,
  simulatedTenant,
} from './lib/budget-scenario.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';

const TENANT_RPS = 10;
const STORES = 10_000;
const EVENTS_PER_TAGGER = 10;
const LATENCY_MS = 100;
const TOKEN = 'bench-token';

async function run(
  label: string,
  pacing: ScenarioPacing,
): Promise<{ label: string; pacing: ScenarioPacing; figures: ScenarioFigures }> {
  const sim: RunningSimulator = await startSimulator({
    stores: STORES,
    latencyMs: LATENCY_MS,
    rateLimitRps: TENANT_RPS,
    tokens: [{ token: TOKEN, access: 'read-write' }],
  });
  try {
    process.stderr.write(`bench:budget: ${label}...\n`);
    const figures = await runBudgetScenario(simulatedTenant(sim, TOKEN, 100), pacing, EVENTS_PER_TAGGER);
    return { label, pacing, figures };
  } finally {
    await sim.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const whole = await run('every function paced at the whole limit (baseline)', {
  tenant: TENANT_RPS,
  poller: TENANT_RPS,
  taggerPerInstance: TENANT_RPS,
  coverage: TENANT_RPS,
});
const shared = await run('the shared budget', { tenant: TENANT_RPS, ...rateBudget(TENANT_RPS) });

const rows = [whole, shared].map(({ label, pacing, figures }) => {
  const refusedShare = (figures.refused / figures.requests) * 100;
  const tag = figures.tagWriteMs;
  return `| ${label} | ${pacing.poller} / ${pacing.taggerPerInstance} x2 / ${pacing.coverage} | ${figures.requests} | ${figures.refused} (${refusedShare.toFixed(2)} %) | ${figures.pollSeconds.toFixed(1)} | ${tag.length} | ${(percentile(tag, 50) / 1000).toFixed(2)} | ${(percentile(tag, 95) / 1000).toFixed(2)} | ${(Math.max(...tag) / 1000).toFixed(2)} | ${figures.writesDuringPoll} |`;
});
const markdown = [
  '## bench:budget',
  '',
  `Poller, two taggers and the sweep at once; ${STORES.toLocaleString('en-US')} stores, ${EVENTS_PER_TAGGER} backup events per tagger, ${LATENCY_MS} ms latency, tenant limit ${TENANT_RPS} requests/s counted in a strict sliding window, no RateLimit-* headers.`,
  `Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
  '',
  '| pacing | poller / tagger / sweep rps | requests | refused (429) | poll s | tag writes | write p50 s | write p95 s | write max s | writes during the poll |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  'Target: under 1 % refused with all three at once, and tag writes going on while the poll lists.',
].join('\n');
process.stdout.write(`${markdown}\n`);
recordSection('bench-budget', markdown);
if (shared.figures.refused / shared.figures.requests > 0.01 || shared.figures.writesDuringPoll === 0) {
  process.stderr.write('bench:budget: below target\n');
  process.exitCode = 1;
}
