/**
 * bench:poll-chunked — polls of any size (issue 15): simulated tenants polled as the workflow
 * runs them, chunk by chunk, each chunk a fresh process (a new Lambda invocation) with 60 s to
 * list, then the finish step; the state of each tenant in a process of its own (DynamoDB's
 * place), so a chunk's peak RSS is the chunk's alone.
 *
 *   npm run bench:poll-chunked                          one tenant of 1,000,000 stores at 50 rps
 *   npm run bench:poll-chunked -- --stores 1000000,300000,100000
 *                                                       three tenants at once, each its own simulator
 *   npm run bench:poll-chunked -- --quick               one tenant of 20,000 stores at 20 rps, 3 s chunks
 *
 * Options: --stores N[,N...] (one tenant per number), --rps N (our pace and each simulator's
 * limit), --page-size N, --chunk-seconds N, --share S (stores changed before the second poll),
 * --remove N (stores removed before it), --mode chunked|single (single: the whole poll in one
 * process, for comparison), --node-flags="FLAGS" (Node flags of every step's process, e.g. a heap
 * cap such as a Lambda's NODE_OPTIONS may set).
 *
 * Each tenant gets a baseline (first) poll, then ~1 % of its stores changed and a few removed,
 * then a second poll, whose finish walks the whole committed state for removals.
 */
import { parseArgs } from 'node:util';
import { changeTenant } from './lib/change-stores.ts';
import { chunkedReport, type PollRound } from './lib/chunked-report.ts';
import { describeMachine } from './lib/machine.ts';
import { RemoteStateStore } from './lib/remote-state-store.ts';
import { recordSection } from './lib/results.ts';
import { type SimulatorProcess, startSimulatorProcess } from './lib/simulator-process.ts';
import { type StateProcess, startStateProcess } from './lib/state-process.ts';
import { runTenantPoll } from './lib/tenant-run.ts';

const OPTIONS = {
  stores: { type: 'string' },
  rps: { type: 'string' },
  'page-size': { type: 'string', default: '100' },
  'chunk-seconds': { type: 'string' },
  share: { type: 'string', default: '0.01' },
  remove: { type: 'string' },
  mode: { type: 'string', default: 'chunked' },
  quick: { type: 'boolean', default: false },
  'node-flags': { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `usage: npm run bench:poll-chunked -- [--stores N[,N...]] [--rps N] [--page-size N]
         [--chunk-seconds N] [--share S] [--remove N] [--mode chunked|single] [--quick] [--node-flags="FLAGS"]
  defaults: one tenant of 1,000,000 stores at 50 rps, page size 100, 60 s chunks; --quick: 20,000 stores at 20 rps, 3 s chunks`;

const { values } = (() => {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}

const quick = values.quick === true;
const sizes = (values.stores ?? (quick ? '20000' : '1000000'))
  .split(',')
  .map((text) => positive('stores', text));
const rps = positive('rps', values.rps ?? (quick ? '20' : '50'));
const pageSize = positive('page-size', values['page-size']);
const chunkMs = positive('chunk-seconds', values['chunk-seconds'] ?? (quick ? '3' : '60')) * 1000;
const share = Number(values.share);
const mode = values.mode === 'single' ? 'single' : 'chunked';
if (values.mode !== mode) throw new Error(`--mode must be chunked or single, got "${values.mode}"`);
const nodeFlags = values['node-flags']?.split(/\s+/).filter(Boolean) ?? [];
const TOKEN = 'bench-token';
/** A state process holds a whole tenant's records: give its heap room (it is not measured). */
const STATE_NODE_FLAGS = ['--max-old-space-size=8192'];

const progress = (message: string) =>
  process.stderr.write(`bench:poll-chunked ${new Date().toISOString().slice(11, 19)}: ${message}\n`);

interface Tenant {
  readonly name: string;
  readonly stores: number;
  readonly sim: SimulatorProcess;
  readonly state: StateProcess;
}

const tenants: Tenant[] = [];
const rounds: PollRound[] = [];
const statePeaks = new Map<string, number>();
try {
  for (const [index, stores] of sizes.entries()) {
    const name = `tenant-${index + 1}.goskope.com`;
    progress(`starting ${name}: a simulator of ${stores} stores limited to ${rps} rps, and its state`);
    const sim = await startSimulatorProcess(
      ['--stores', String(stores), '--rate-limit', String(rps), '--seed', String(20261202 + index)],
      TOKEN,
    );
    tenants.push({ name, stores, sim, state: await startStateProcess(STATE_NODE_FLAGS) });
  }
  for (const round of ['baseline', 'second'] as const) {
    if (round === 'second') {
      progress(`changing ${share * 100}% of each tenant's stores and removing a few`);
      await Promise.all(
        tenants.map((t) =>
          changeTenant(t.sim.url, {
            stores: t.stores,
            share,
            remove: values.remove === undefined ? Math.ceil(t.stores / 10_000) : Number(values.remove),
          }),
        ),
      );
    }
    progress(`${round} poll of ${tenants.length} tenant(s) at once (${mode})`);
    const started = performance.now();
    const runs = await Promise.all(
      tenants.map((t) =>
        runTenantPoll({
          dspmUrl: t.sim.url,
          stateUrl: t.state.url,
          tenant: t.name,
          runId: `${round}-${t.name}`,
          mode,
          rps,
          pageSize,
          chunkMs,
          nodeFlags,
        }).then((run) => {
          progress(`  ${t.name}: ${run.chunks.length} chunks, ${(run.wallMs / 1000).toFixed(0)} s`);
          return run;
        }),
      ),
    );
    rounds.push({ round, runs, wallMs: performance.now() - started });
  }
  for (const t of tenants) {
    const state = new RemoteStateStore(t.state.url);
    statePeaks.set(t.name, (await state.stats()).peakRssMb);
    state.close();
  }
} finally {
  for (const t of tenants) {
    await t.sim.stop();
    await t.state.stop();
  }
}

const markdown = chunkedReport({
  title: `## bench:poll-chunked${quick ? ' --quick' : ''} (${sizes.map((n) => n.toLocaleString('en-US')).join(' + ')} stores, ${mode}${nodeFlags.length ? `, \`${nodeFlags.join(' ')}\`` : ''})`,
  machine: describeMachine(),
  runAt: new Date().toISOString(),
  command: [
    'npm run bench:poll-chunked',
    ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
  ].join(' '),
  rps,
  pageSize,
  chunkMs,
  mode,
  nodeFlags,
  rounds,
  statePeaks,
});
process.stdout.write(`${markdown}\n`);
const flagsKey = nodeFlags.map((flag) => flag.replace(/[^a-z0-9]+/gi, '')).join('-');
const key = `bench-poll-chunked-${sizes.length}x${sizes[0]}${mode === 'single' ? '-single' : ''}${flagsKey ? `-${flagsKey}` : ''}`;
recordSection(key, markdown);
