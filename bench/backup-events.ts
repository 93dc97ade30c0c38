/**
 * bench:backup-events — what a night of backup events costs in DSPM requests against a large
 * tenant: 1,000 AWS Backup job events (half for EC2 and EBS resources DSPM does not hold, 30 %
 * for RDS stores the poller has committed, 20 % for RDS instances DSPM does not list) through the
 * real tagger use case, after a baseline poll of the tenant. Run twice in the same process: with
 * nothing remembered between events (the baseline, how every event was resolved before), then
 * with the tagger runtime's remembered lookups.
 *
 *   npm run bench:backup-events             100,000 stores (a few minutes)
 *   npm run bench:backup-events -- --quick   10,000 stores
 *
 * Figures go to stdout and to bench/RESULTS.md.
 */
import { DEFAULT_LOCKING, type ProtectionPorts } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { FallbackLookups } from '#shared/backup/fallback-lookups.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { startSimulator } from '#simulator/server.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';

const quick = process.argv.includes('--quick');
const STORES = quick ? 10_000 : 100_000;
const EVENTS = 1_000;
const TENANT = 'bench.example';
const TOKEN = 'bench-token';
const acceptAll: EventSink = { publish: async (events) => events.map(() => ({ ok: true as const })) };

interface RunFigures {
  readonly label: string;
  readonly requests: number;
  readonly seconds: number;
  readonly applied: number;
  readonly unknown: number;
}

let sim = await startSimulator({ stores: STORES, tokens: [{ token: TOKEN, access: 'read-write' }] });
const events = nightOfEvents();
await sim.close();
const before = await fresh((state) =>
  run(events, 'nothing remembered between events (baseline)', state, undefined),
);
const after = await fresh((state) =>
  run(events, 'remembered lookups (the tagger runtime)', state, new FallbackLookups(systemClock)),
);
report([before, after]);

/** A new tenant (the same seed, so the same stores) with a committed baseline, for one run. */
async function fresh(body: (state: MemoryStateStore) => Promise<RunFigures>): Promise<RunFigures> {
  sim = await startSimulator({ stores: STORES, tokens: [{ token: TOKEN, access: 'read-write' }] });
  try {
    const state = new MemoryStateStore();
    process.stderr.write(`bench:backup-events: baseline poll of ${STORES} stores...\n`);
    await pollDataStores(
      { dspm: client(), state, sink: acceptAll, clock: systemClock, logger: silentLogger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    return await body(state);
  } finally {
    await sim.close();
  }
}

function client() {
  return createDspmClient(
    readDspmConfig({
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
      DSPM_PAGE_SIZE: '100',
    }),
  );
}

/** The night's events: resources DSPM does not hold, committed RDS stores, unknown RDS instances. */
function nightOfEvents(): string[] {
  const rds = sim.tenant
    .view()
    .stores.filter((store) => /\.rds\.amazonaws\.com/.test(String(store.endpoint)))
    .slice(0, (EVENTS * 3) / 10);
  const accounts = [...new Set(rds.map((store) => `${store.account_id}/${store.region}`))].slice(0, 4);
  const where = (i: number) => (accounts[i % accounts.length] as string).split('/') as [string, string];
  const jobs: { arn: string; state: 'COMPLETED' | 'FAILED' }[] = [];
  for (let i = 0; i < EVENTS / 2; i++) {
    const [account, region] = where(i);
    const resource = i % 2 === 0 ? `volume/vol-${i.toString(16).padStart(17, '0')}` : `instance/i-${i}`;
    jobs.push({ arn: `arn:aws:ec2:${region}:${account}:${resource}`, state: 'COMPLETED' });
  }
  for (const store of rds) {
    const name = String(store.endpoint).split('.')[0];
    jobs.push({ arn: `arn:aws:rds:${store.region}:${store.account_id}:db:${name}`, state: 'FAILED' });
  }
  for (let i = jobs.length; i < EVENTS; i++) {
    const [account, region] = where(i);
    jobs.push({ arn: `arn:aws:rds:${region}:${account}:db:not-scanned-${i}`, state: 'FAILED' });
  }
  return jobs.map((job, i) =>
    JSON.stringify({
      version: '0',
      id: `bench-${i}`,
      'detail-type': 'Backup Job State Change',
      source: 'aws.backup',
      account: job.arn.split(':')[4],
      time: new Date(Date.UTC(2026, 10, 23, 2, 0, i)).toISOString(),
      region: job.arn.split(':')[3],
      resources: [job.arn],
      detail: { backupJobId: `job-${i}`, resourceArn: job.arn, state: job.state, statusMessage: null },
    }),
  );
}

async function run(
  events: readonly string[],
  label: string,
  state: MemoryStateStore,
  lookups: FallbackLookups | undefined,
): Promise<RunFigures> {
  process.stderr.write(`bench:backup-events: ${events.length} events, ${label}...\n`);
  const dspm = client();
  const ports: ProtectionPorts = {
    dspm,
    state,
    sink: acceptAll,
    catalog: new CatalogCache(dspm, systemClock),
    clock: systemClock,
    logger: silentLogger,
    tenant: TENANT,
    lookups,
  };
  const settings = {
    tag: DEFAULT_UNPROTECTED_TAG,
    source: 'netskope.dspm',
    test: true,
    mappings: new Map<string, number>(),
    ...DEFAULT_LOCKING,
    acceptedSources: new Set<string>(),
  };
  const requestsBefore = sim.requests.length;
  const started = performance.now();
  let applied = 0;
  let unknown = 0;
  for (const event of events) {
    const handled = await handleBackupEvent(event, ports, settings);
    if (handled.kind !== 'applied') throw new Error(`bench event not applied: ${JSON.stringify(handled)}`);
    if (handled.outcome.status === 'unknown-resource') unknown++;
    else applied++;
  }
  return {
    label,
    requests: sim.requests.length - requestsBefore,
    seconds: (performance.now() - started) / 1000,
    applied,
    unknown,
  };
}

function report(runs: readonly RunFigures[]): void {
  const [before, after] = runs as [RunFigures, RunFigures];
  const lines = [
    `## bench:backup-events${quick ? ' --quick' : ''}`,
    '',
    `${EVENTS.toLocaleString('en-US')} AWS Backup job events (50 % EC2/EBS, 30 % committed RDS stores, 20 % RDS instances DSPM does not list, over 4 accounts and regions) against a ${STORES.toLocaleString('en-US')}-store tenant, after a baseline poll; the simulator without latency or rate limit, so requests, not waits, are the figure.`,
    `Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
    '',
    '| run | DSPM requests | per event | seconds | applied (stores found) | unknown resources |',
    '|---|---:|---:|---:|---:|---:|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${r.requests} | ${(r.requests / EVENTS).toFixed(2)} | ${r.seconds.toFixed(1)} | ${r.applied} | ${r.unknown} |`,
    ),
    '',
    `At 1 request/s (a tagger instance's share of a 10/s tenant) that is ${Math.round(before.requests / 60)} minutes of the tenant's budget before, ${Math.round(after.requests / 60)} after.`,
  ];
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);
  recordSection(`bench-backup-events${quick ? '-quick' : ''}`, markdown);
  if (after.requests >= before.requests) process.exitCode = 1;
}
