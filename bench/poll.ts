/**
 * bench:poll — what a poll of 100,000 stores costs, at 0%, 1% and 100% of them changed.
 *
 *   npm run bench:poll             100,000 stores
 *   npm run bench:poll -- --quick   10,000 stores
 *   npm run bench:poll -- --memory  only the streaming-against-whole peak RSS comparison
 *
 * Stage 1 (bench/poll-diff-stage.ts): CPU time and memory of the diff and event build alone,
 * against the common design that fingerprints every store every poll, measured in the same run.
 * Stage 2 (bench/poll-full-run.ts): a real poll through the client of a simulator process:
 * DynamoDB items written, PutEvents calls, wall and CPU time, peak RSS of the whole process.
 * Each measurement runs in its own process so its memory figures are its own.
 */
import { execFileSync } from 'node:child_process';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';
import { startSimulatorProcess } from './lib/simulator-process.ts';

const quick = process.argv.includes('--quick');
const memoryOnly = process.argv.includes('--memory');
const STORES = quick ? 10_000 : 100_000;
const SHARES = [0, 0.01, 1] as const;
const TOKEN = 'bench-token';

interface DiffStage {
  changed: number;
  oursCpuMs: number;
  naiveCpuMs: number;
  heapWithStateMb: number;
  passPeakRssIncreaseMb: number;
  peakRssMb: number;
}
interface FullRun {
  changed: number;
  events: number;
  itemsWritten: number;
  baselineItemsWritten: number;
  putEventsCalls: number;
  dspmRequests: number;
  pollWallMs: number;
  pollCpuMs: number;
  peakRssMb: number;
}

/** V8 heap limits that trade CPU for a smaller peak RSS (a Lambda sets them with NODE_OPTIONS). */
const SMALL_HEAP_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=192'];

function runChild<T>(script: string, args: string[], nodeFlags: string[] = []): T {
  const output = execFileSync(process.execPath, ['--expose-gc', ...nodeFlags, script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as T;
}

const progress = (message: string) => process.stderr.write(`bench:poll: ${message}\n`);

progress(`stage 1: diff and event build of ${STORES} stores`);
const diff = (memoryOnly ? [] : SHARES).map((share) => ({
  share,
  ...runChild<DiffStage>('bench/poll-diff-stage.ts', [String(STORES), String(share)]),
}));

progress(`stage 2: full polls of a simulator with ${STORES} stores`);
const full: (FullRun & { share: number; flags: string })[] = [];
const scenarios = memoryOnly
  ? []
  : [...SHARES.map((share) => ({ share, flags: [] as string[] })), { share: 0.01, flags: SMALL_HEAP_FLAGS }];
for (const { share, flags } of scenarios) {
  progress(`  ${share * 100}% changed ${flags.join(' ')}`);
  // A fresh simulator per scenario: each starts from the same generated tenant.
  const sim = await startSimulatorProcess(['--stores', String(STORES)], TOKEN);
  try {
    full.push({
      share,
      flags: flags.join(' '),
      ...runChild<FullRun>('bench/poll-full-run.ts', [sim.url, String(share)], flags),
    });
  } finally {
    await sim.stop();
  }
}

progress(`stage 3: peak RSS of the streaming poll against the whole-in-memory one, ${STORES} stores`);
const memory: (FullRun & { share: number; path: string })[] = [];
for (const share of [0.01, 1]) {
  for (const path of ['whole', 'streaming']) {
    progress(`  ${share * 100}% changed, ${path}`);
    const sim = await startSimulatorProcess(['--stores', String(STORES)], TOKEN);
    try {
      memory.push({
        share,
        path,
        ...runChild<FullRun>('bench/poll-full-run.ts', [sim.url, String(share), path]),
      });
    } finally {
      await sim.stop();
    }
  }
}

const pct = (share: number) => `${share * 100}%`;
const ms = (value: number) => value.toFixed(0);
const mb = (value: number) => value.toFixed(0);
const onePercent = diff.find((d) => d.share === 0.01);
const lines = [
  `## bench:poll${quick ? ' --quick' : ''}${memoryOnly ? ' --memory' : ''}`,
  '',
  `${STORES.toLocaleString('en-US')} connected stores, every watched field, default bands. Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
  '',
  '### Diff and event build (stage 1)',
  '',
  '| changed | stores changed | CPU ms (ours, median of 5) | CPU ms (fingerprint every store, baseline, median of 5) | ours / baseline | heap with state MB | peak RSS MB (whole process) | RSS added by the pass MB |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...diff.map(
    (d) =>
      `| ${pct(d.share)} | ${d.changed} | ${ms(d.oursCpuMs)} | ${ms(d.naiveCpuMs)} | ${(d.oursCpuMs / d.naiveCpuMs).toFixed(2)} | ${mb(d.heapWithStateMb)} | ${mb(d.peakRssMb)} | ${mb(Math.max(0, d.passPeakRssIncreaseMb))} |`,
  ),
  '',
  onePercent
    ? `Target (1% changed): under 1 s CPU: **${ms(onePercent.oursCpuMs)} ms**; under 300 MB peak RSS: **${mb(onePercent.peakRssMb)} MB** for the stage's process (generated stores, committed state and the pass).`
    : '',
  '',
  '### Full poll through the client (stage 2)',
  '',
  '| changed | Node flags | stores changed | events | DynamoDB items written | PutEvents calls | DSPM requests | poll wall ms | poll CPU ms | peak RSS MB (whole process) |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...full.map(
    (f) =>
      `| ${pct(f.share)} | ${f.flags ? `\`${f.flags}\`` : 'defaults'} | ${f.changed} | ${f.events} | ${f.itemsWritten} | ${f.putEventsCalls} | ${f.dspmRequests} | ${ms(f.pollWallMs)} | ${ms(f.pollCpuMs)} | ${mb(f.peakRssMb)} |`,
  ),
  '',
  `The baseline poll before each scenario wrote ${full[0]?.baselineItemsWritten ?? '?'} items (every store once, in 25-item batches, plus lease and tenant facts). ` +
    'Items written by a poll = changed stores + 3 (lease taken, lease released, tenant facts); PutEvents calls = ceil(events / 10) + 1 summary. ' +
    'Peak RSS of the full poll is the whole process, baseline poll included (Node and the AWS SDK, about 110 MB at start; parsed pages awaiting collection; the committed state), not the diff alone. ' +
    "The last row caps V8's heap, which collects sooner: a smaller peak for more CPU.",
];
// With --memory only the header and stage 3 are recorded: stages 1 and 2 did not run.
if (memoryOnly) lines.splice(3);
lines.push(
  '',
  '### Streaming against whole-in-memory (stage 3)',
  '',
  'The same full poll, default V8 settings, once as it was before it streamed (whole committed state loaded, every event held, published at the end; `bench/lib/whole-in-memory-poll.ts`) and once streaming (one page read by id, published, committed). The state is the in-memory store in the same process in both, so both peaks include the committed state itself (in a Lambda it is in DynamoDB).',
  '',
  '| changed | poll | events | DynamoDB items written | PutEvents calls | DSPM requests | poll wall ms | peak RSS MB (whole process) |',
  '|---:|---|---:|---:|---:|---:|---:|---:|',
  ...memory.map(
    (m) =>
      `| ${pct(m.share)} | ${m.path} | ${m.events} | ${m.itemsWritten} | ${m.putEventsCalls} | ${m.dspmRequests} | ${ms(m.pollWallMs)} | ${mb(m.peakRssMb)} |`,
  ),
);
const markdown = lines.join('\n');
process.stdout.write(`${markdown}\n`);
recordSection(`bench-poll${quick ? '-quick' : ''}${memoryOnly ? '-memory' : ''}`, markdown);
