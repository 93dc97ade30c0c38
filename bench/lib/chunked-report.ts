/**
 * The bench/RESULTS.md section of bench:poll-chunked: per poll and tenant, then per poll for all
 * tenants together, the time against the rate-limit bound and each chunk's peak RSS.
 */
import type { StepFigures } from './step-figures.ts';
import type { TenantRunFigures } from './tenant-run.ts';

/** One poll of every tenant at once. */
export interface PollRound {
  readonly round: 'baseline' | 'second';
  readonly runs: readonly TenantRunFigures[];
  readonly wallMs: number;
}

/** What the report shows. */
export interface ChunkedReportInput {
  readonly title: string;
  readonly machine: string;
  readonly runAt: string;
  readonly command: string;
  readonly rps: number;
  readonly pageSize: number;
  readonly chunkMs: number;
  readonly mode: 'chunked' | 'single';
  /** Node flags of every step's process. */
  readonly nodeFlags: readonly string[];
  readonly rounds: readonly PollRound[];
  /** Peak RSS of each tenant's state process (not counted in any step). */
  readonly statePeaks: ReadonlyMap<string, number>;
}

/** The default pace (DSPM_RATE_LIMIT_RPS), for the figure the run is scaled to. */
const DEFAULT_RPS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const sum = (steps: readonly StepFigures[], pick: (step: StepFigures) => number) =>
  steps.reduce((total, step) => total + pick(step), 0);
const s = (ms: number) => (ms / 1000).toFixed(0);
const mb = (value: number) => value.toFixed(0);

interface Row {
  readonly label: string;
  readonly tenant: string;
  readonly stores: string;
  readonly steps: readonly StepFigures[];
  readonly chunks: readonly StepFigures[];
  readonly finish: readonly StepFigures[];
  readonly wallMs: number;
  /** Seconds the rate limit alone forces (tenants in parallel: the slowest one's). */
  readonly boundS: number;
  readonly complete: string;
}

function rowOf(label: string, run: TenantRunFigures, rps: number): Row {
  const steps = [...run.chunks, run.finish];
  return {
    label,
    tenant: run.tenant,
    stores: run.finish.stores.toLocaleString('en-US'),
    steps,
    chunks: run.chunks,
    finish: [run.finish],
    wallMs: run.wallMs,
    boundS: sum(steps, (step) => step.dspmRequests) / rps,
    complete: run.finish.complete ? 'yes' : 'no',
  };
}

function togetherOf(round: PollRound, rows: readonly Row[]): Row {
  return {
    label: round.round,
    tenant: '**all, at once**',
    stores: rows
      .reduce((total, row) => total + Number(row.stores.replaceAll(',', '')), 0)
      .toLocaleString('en-US'),
    steps: rows.flatMap((row) => row.steps),
    chunks: rows.flatMap((row) => row.chunks),
    finish: rows.flatMap((row) => row.finish),
    wallMs: round.wallMs,
    boundS: Math.max(...rows.map((row) => row.boundS)),
    complete: rows.every((row) => row.complete === 'yes') ? 'yes' : 'no',
  };
}

function line(row: Row, rps: number): string {
  const requests = sum(row.steps, (step) => step.dspmRequests);
  const chunkPeaks = row.chunks.map((chunk) => chunk.peakRssMb);
  const cells = [
    row.label,
    row.tenant,
    row.stores,
    row.chunks.length === 0 ? '—' : String(row.chunks.length),
    s(row.wallMs),
    requests.toLocaleString('en-US'),
    String(sum(row.steps, (step) => step.dspmThrottled)),
    row.boundS.toFixed(0),
    (row.wallMs / 1000 / row.boundS).toFixed(2),
    ((row.boundS * rps) / DEFAULT_RPS).toFixed(0),
    chunkPeaks.length === 0 ? '—' : `**${mb(Math.max(...chunkPeaks))}**`,
    chunkPeaks.length === 0 ? '—' : mb(median(chunkPeaks)),
    `**${mb(Math.max(...row.finish.map((step) => step.peakRssMb)))}**`,
    sum(row.steps, (step) => step.itemsWritten).toLocaleString('en-US'),
    sum(row.steps, (step) => step.events).toLocaleString('en-US'),
    sum(row.steps, (step) => step.putEventsCalls).toLocaleString('en-US'),
    String(sum(row.finish, (step) => step.changed ?? 0)),
    String(sum(row.finish, (step) => step.removed ?? 0)),
    row.complete,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The section's markdown. */
export function chunkedReport(input: ChunkedReportInput): string {
  const { rps } = input;
  const lines = [
    input.title,
    '',
    `Machine: ${input.machine}. Run: ${input.runAt}. Reproduce: \`${input.command}\`.`,
    '',
    input.mode === 'chunked'
      ? `Each tenant: its own simulator process (limit ${rps} requests/s, sliding window) and state process; each chunk a fresh Node process (a new Lambda invocation, ${input.nodeFlags.length ? `\`${input.nodeFlags.join(' ')}\`` : 'default V8 settings'}) running \`pollChunk\` with \`stopAtMs\` = its start + ${input.chunkMs / 1000} s, until one reports \`listed\`; then \`finishPoll\` in another. Pace \`DSPM_RATE_LIMIT_RPS=${rps}\`, page size ${input.pageSize}. Tenants run at once, as the workflow's Map runs them.`
      : `Each tenant: its own simulator process (limit ${rps} requests/s) and state process; the whole poll (\`pollDataStores\`) in one fresh Node process. Pace \`DSPM_RATE_LIMIT_RPS=${rps}\`, page size ${input.pageSize}.`,
    '',
    `| poll | tenant | stores seen | chunks | wall s | DSPM requests | 429s | bound s at ${rps} rps (requests / rps) | wall / bound | bound s at ${DEFAULT_RPS} rps | chunk peak RSS MB, max | chunk peak RSS MB, median | finish peak RSS MB | state items written | events published | PutEvents calls | changed | removed | complete |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const round of input.rounds) {
    const rows = round.runs.map((run) => rowOf(round.round, run, rps));
    for (const row of rows) lines.push(line(row, rps));
    if (rows.length > 1) lines.push(line(togetherOf(round, rows), rps));
  }
  lines.push('', 'Step by step (chunks in order, then the finish):', '');
  for (const round of input.rounds) {
    for (const run of round.runs) {
      const steps = [...run.chunks, run.finish];
      const list = (pick: (step: StepFigures) => number | undefined) =>
        steps.map((step) => (pick(step) === undefined ? '?' : mb(pick(step) ?? 0))).join(', ');
      lines.push(
        `- ${round.round}, ${run.tenant}: peak RSS MB ${list((step) => step.peakRssMb)}; live heap after MB ${list((step) => step.liveHeapMb)}; wall s ${list((step) => step.wallMs / 1000)}; DSPM requests ${list((step) => step.dspmRequests)}.`,
      );
    }
  }
  lines.push(
    '',
    `Peak RSS is each step's whole process (Node, the AWS SDK clients a poller Lambda builds, the DSPM client, the pages and checkpoint in hand). The committed state is in the state processes, which peaked at ${[
      ...input.statePeaks,
    ]
      .map(([tenant, peak]) => `${mb(peak)} MB (${tenant})`)
      .join(
        ', ',
      )}; not counted. "bound s at ${DEFAULT_RPS} rps" is the time the default pace alone would take for the same requests (the run itself was at ${rps} rps).`,
  );
  return lines.join('\n');
}
