/**
 * bench:poll — what a poll of 100,000 stores costs, at 0%, 1% and 100% of them changed.
 *
 *   npm run bench:poll             100,000 stores
 *   npm run bench:poll -- --quick   10,000 stores
 *   npm run bench:poll -- --memory  only the streaming-against-whole peak RSS comparison
 *
 * Stage 1 (bench/poll-diff-stage.ts): CPU time and memory of the diff and event build alone,
 * against the common design that fingerprints every store every poll, measured in the same run.
 * Stage 2 (bench/poll-step.ts): a real poll through the client of a simulator process, the
 * state in a process of its own (bench/lib/state-server.ts) as DynamoDB would be: state items
 * written, PutEvents calls, wall and CPU time, peak RSS of the poll's process.
 * Stage 3: the same, streaming against the poll as it was before it streamed.
 * Each measurement runs in its own process so its memory figures are its own; the baseline poll
 * before each measured one runs in another.
 */
import { execFileSync } from 'node:child_process';
import { describeMachine } from './lib/machine.ts';
import { type PollScenarioFigures, runPollScenario } from './lib/poll-scenario.ts';
import { recordSection } from './lib/results.ts';

const quick = process.argv.includes('--quick');
const memoryOnly = process.argv.includes('--memory');
const STORES = quick ? 10_000 : 100_000;
const SHARES = [0, 0.01, 1] as const;

interface DiffStage {
  changed: number;
  oursCpuMs: number;
  naiveCpuMs: number;
  heapWithStateMb: number;
  passPeakRssIncreaseMb: number;
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

progress(`stage 2: full polls of a simulator with ${STORES} stores, state in its own process`);
const full: (PollScenarioFigures & { share: number; flags: string })[] = [];
const scenarios = memoryOnly
  ? []
  : [...SHARES.map((share) => ({ share, flags: [] as string[] })), { share: 0.01, flags: SMALL_HEAP_FLAGS }];
for (const { share, flags } of scenarios) {
  progress(`  ${share * 100}% changed ${flags.join(' ')}`);
  // A fresh simulator and state per scenario: each starts from the same generated tenant.
  const figures = await runPollScenario({ stores: STORES, share, step: 'poll', nodeFlags: flags });
  full.push({ share, flags: flags.join(' '), ...figures });
}

progress(`stage 3: peak RSS of the streaming poll against the whole-in-memory one, ${STORES} stores`);
const memory: (PollScenarioFigures & { share: number; path: string })[] = [];
for (const share of [0.01, 1]) {
  for (const step of ['whole', 'poll'] as const) {
    progress(`  ${share * 100}% changed, ${step}`);
    memory.push({
      share,
      path: step === 'poll' ? 'streaming' : 'whole',
      ...(await runPollScenario({ stores: STORES, share, step })),
    });
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
  '| changed | Node flags | stores changed | events | state items written | PutEvents calls | DSPM requests | poll wall ms | poll CPU ms | RSS at start MB | peak RSS MB (poll process) | peak RSS MB (state process, not counted) |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...full.map(
    ({ measured: f, ...s }) =>
      `| ${pct(s.share)} | ${s.flags ? `\`${s.flags}\`` : 'defaults'} | ${f.changed} | ${f.events} | ${f.itemsWritten} | ${f.putEventsCalls} | ${f.dspmRequests} | ${ms(f.wallMs)} | ${ms(f.cpuMs)} | ${mb(f.startRssMb)} | **${mb(f.peakRssMb)}** | ${mb(s.statePeakRssMb)} |`,
  ),
  '',
  `The baseline poll before each scenario ran in a process of its own: it wrote ${full[0]?.baseline.itemsWritten ?? '?'} items (every store once, plus lease and tenant facts) with a peak RSS of ${mb(Math.max(...full.map((f) => f.baseline.peakRssMb)))} MB at most. ` +
    'Items written by a poll = changed stores + 3 (lease taken, lease released, tenant facts); events counts every entry published, findings and the summary included. ' +
    'The poll process holds what a poller Lambda would: Node, the DSPM client, the AWS SDK clients it builds at a cold start (built, not called: state goes to the state process over loopback HTTP, events to a stand-in that accepts them), and the pages in hand. ' +
    "The committed state is in the state process (an in-memory store in DynamoDB's place). The last row caps V8's heap, which collects sooner: a smaller peak for more CPU.",
];
// With --memory only the header and stage 3 are recorded: stages 1 and 2 did not run.
if (memoryOnly) lines.splice(3);
lines.push(
  '',
  '### Streaming against whole-in-memory (stage 3)',
  '',
  'The same full poll, default V8 settings, in a fresh process after a baseline poll in another, the state in a process of its own: once as it was before it streamed (whole committed state loaded, every event held, published at the end; `bench/lib/whole-in-memory-poll.ts`) and once streaming (one page read by id, published, committed).',
  '',
  '| changed | poll | events | state items written | PutEvents calls | DSPM requests | poll wall ms | RSS at start MB | peak RSS MB (poll process) | peak RSS MB (state process, not counted) |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...memory.map(
    ({ measured: m, ...s }) =>
      `| ${pct(s.share)} | ${s.path} | ${m.events} | ${m.itemsWritten} | ${m.putEventsCalls} | ${m.dspmRequests} | ${ms(m.wallMs)} | ${mb(m.startRssMb)} | **${mb(m.peakRssMb)}** | ${mb(s.statePeakRssMb)} |`,
  ),
  '',
  `Target (issue 15): under 300 MB peak RSS at ${STORES.toLocaleString('en-US')} stores with default V8 settings, streaming: ` +
    memory
      .filter((m) => m.path === 'streaming')
      .map((m) => `**${mb(m.measured.peakRssMb)} MB** at ${pct(m.share)} changed`)
      .join(', ') +
    '.',
);
const markdown = lines.join('\n');
process.stdout.write(`${markdown}\n`);
recordSection(`bench-poll${quick ? '-quick' : ''}${memoryOnly ? '-memory' : ''}`, markdown);
