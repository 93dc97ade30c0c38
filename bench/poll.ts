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
import { runPollScenario, type VariantFigures } from './lib/poll-scenario.ts';
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
/** DSPM_PAGE_SIZE's default: what a deployed poller asks for. */
const DEFAULT_PAGE_SIZE = 100;
/** Peak RSS of each scenario's state process (the committed state, not counted in any poll). */
const statePeaks: number[] = [];

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
const full: (VariantFigures & { share: number })[] = [];
for (const share of memoryOnly ? [] : SHARES) {
  progress(`  ${share * 100}% changed`);
  // A fresh simulator and state per scenario: each starts from the same generated tenant.
  const figures = await runPollScenario({
    stores: STORES,
    share,
    variants: [
      { step: 'poll', pageSize: DEFAULT_PAGE_SIZE },
      { step: 'poll', pageSize: 1000 },
      ...(share === 0.01
        ? [{ step: 'poll', pageSize: DEFAULT_PAGE_SIZE, nodeFlags: SMALL_HEAP_FLAGS } as const]
        : []),
    ],
  });
  full.push(...figures.variants.map((variant) => ({ share, ...variant })));
  statePeaks.push(figures.statePeakRssMb);
}

progress(`stage 3: peak RSS of the streaming poll against the whole-in-memory one, ${STORES} stores`);
const memory: (VariantFigures & { share: number })[] = [];
for (const share of [0.01, 1]) {
  progress(`  ${share * 100}% changed`);
  const figures = await runPollScenario({
    stores: STORES,
    share,
    variants: [DEFAULT_PAGE_SIZE, 1000].flatMap((pageSize) => [
      { step: 'whole', pageSize } as const,
      { step: 'poll', pageSize } as const,
    ]),
  });
  memory.push(...figures.variants.map((variant) => ({ share, ...variant })));
  statePeaks.push(figures.statePeakRssMb);
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
  '| changed | page size | Node flags | stores changed | events | state items written | PutEvents calls | DSPM requests | poll wall ms | poll CPU ms | RSS at start MB | peak RSS MB (poll process) | live heap after MB |',
  '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...full.map(
    ({ measured: f, variant: v, share }) =>
      `| ${pct(share)} | ${v.pageSize} | ${v.nodeFlags ? `\`${v.nodeFlags.join(' ')}\`` : 'defaults'} | ${f.changed} | ${f.events} | ${f.itemsWritten} | ${f.putEventsCalls} | ${f.dspmRequests} | ${ms(f.wallMs)} | ${ms(f.cpuMs)} | ${mb(f.startRssMb)} | **${mb(f.peakRssMb)}** | ${f.liveHeapMb === undefined ? '?' : mb(f.liveHeapMb)} |`,
  ),
  '',
  `Each baseline poll ran in a process of its own before the changes: ${full[0]?.baseline.itemsWritten ?? '?'} items written (every store once, plus lease and tenant facts), peak RSS at most ${mb(Math.max(...full.map((f) => f.baseline.peakRssMb)))} MB. ` +
    'Items written by a poll = changed stores + 3 (lease taken, lease released, tenant facts); events counts every entry published, findings and the summary included. ' +
    'The poll process holds what a poller Lambda would: Node, the DSPM client, the AWS SDK clients it builds at a cold start (built, not called: state goes to the state process over loopback HTTP, events to a stand-in that accepts them), and the pages in hand. ' +
    `The committed state is in the state process (an in-memory store in DynamoDB's place; it peaked at ${mb(Math.max(...statePeaks))} MB, not counted). ` +
    'The small-heap row caps V8\'s heap, which collects sooner: a smaller peak for more CPU. "Live heap after" is the heap still reachable after a full collection at the end: the rest of the peak is garbage not yet collected.',
];
// With --memory only the header and stage 3 are recorded: stages 1 and 2 did not run.
if (memoryOnly) lines.splice(3);
const streaming = (pageSize: number) =>
  memory
    .filter((m) => m.variant.step === 'poll' && m.variant.pageSize === pageSize)
    .map((m) => `**${mb(m.measured.peakRssMb)} MB** at ${pct(m.share)} changed`)
    .join(', ');
lines.push(
  '',
  '### Streaming against whole-in-memory (stage 3)',
  '',
  'The same full poll, default V8 settings, each in a fresh process after its baseline poll in another, the state in a process of its own: once as it was before it streamed (whole committed state loaded, every event held, published at the end; `bench/lib/whole-in-memory-poll.ts`) and once streaming (one page read by id, published, committed); at the default page size and at 1,000.',
  '',
  '| changed | page size | poll | events | state items written | PutEvents calls | DSPM requests | poll wall ms | RSS at start MB | peak RSS MB (poll process) | live heap after MB |',
  '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...memory.map(
    ({ measured: m, variant: v, share }) =>
      `| ${pct(share)} | ${v.pageSize} | ${v.step === 'poll' ? 'streaming' : 'whole'} | ${m.events} | ${m.itemsWritten} | ${m.putEventsCalls} | ${m.dspmRequests} | ${ms(m.wallMs)} | ${mb(m.startRssMb)} | **${mb(m.peakRssMb)}** | ${m.liveHeapMb === undefined ? '?' : mb(m.liveHeapMb)} |`,
  ),
  '',
  `Target (issue 15): under 300 MB peak RSS at ${STORES.toLocaleString('en-US')} stores with default V8 settings. Streaming, page size ${DEFAULT_PAGE_SIZE}: ${streaming(DEFAULT_PAGE_SIZE)}; page size 1,000: ${streaming(1000)}. The state process peaked at ${mb(Math.max(...statePeaks))} MB (not counted).`,
);
const markdown = lines.join('\n');
process.stdout.write(`${markdown}\n`);
recordSection(`bench-poll${quick ? '-quick' : ''}${memoryOnly ? '-memory' : ''}`, markdown);
