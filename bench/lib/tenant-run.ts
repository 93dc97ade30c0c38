/**
 * One tenant's poll as the workflow runs it: chunks, each in a fresh process (a new Lambda
 * invocation) with 60 s to list, until one reports the pass `listed`, then the finish step in
 * another; or, for comparison, the whole poll in one process.
 */
import { runStep, type StepFigures } from './step-figures.ts';

/** Where the tenant is and how to poll it. */
export interface TenantRun {
  readonly dspmUrl: string;
  readonly stateUrl: string;
  readonly tenant: string;
  /** One lease holder for the whole run (a workflow execution's tenant). */
  readonly runId: string;
  /** `chunked`: pollChunk until listed, then finishPoll; `single`: pollDataStores in one process. */
  readonly mode: 'chunked' | 'single';
  readonly rps: number;
  readonly pageSize: number;
  /** How long each chunk lists (stopAtMs = the chunk's start + this). */
  readonly chunkMs: number;
  /** Node flags of every step's process (none: default V8 settings). */
  readonly nodeFlags?: readonly string[];
}

/** What the run did: every step's figures and the time from the first step's start to the last's end. */
export interface TenantRunFigures {
  readonly tenant: string;
  readonly chunks: readonly StepFigures[];
  /** The finish step (chunked), or the single poll. */
  readonly finish: StepFigures;
  readonly wallMs: number;
}

/** Chunks a run may take before it is called stuck: 1,000,000 stores at 5 rps take about 35. */
const MAX_CHUNKS = 500;

/**
 * Runs the tenant's poll to its end. Throws when a step fails, another run holds the lease, or
 * the pass is still not listed after {@link MAX_CHUNKS} chunks.
 */
export async function runTenantPoll(run: TenantRun): Promise<TenantRunFigures> {
  const args = [
    '--dspm',
    run.dspmUrl,
    '--state',
    run.stateUrl,
    '--tenant',
    run.tenant,
    '--run-id',
    run.runId,
    '--rps',
    String(run.rps),
    '--page-size',
    String(run.pageSize),
    '--chunk-ms',
    String(run.chunkMs),
  ];
  const started = performance.now();
  const chunks: StepFigures[] = [];
  if (run.mode === 'chunked') {
    for (;;) {
      const chunk = await runStep(['chunk', ...args], run.nodeFlags);
      if (chunk.status === 'skipped')
        throw new Error(`${run.tenant}: chunk skipped, another run holds the lease`);
      chunks.push(chunk);
      if (chunk.status === 'listed') break;
      if (chunks.length >= MAX_CHUNKS)
        throw new Error(`${run.tenant}: not listed after ${MAX_CHUNKS} chunks`);
    }
  }
  const finish = await runStep([run.mode === 'chunked' ? 'finish' : 'poll', ...args], run.nodeFlags);
  if (finish.status !== 'completed') throw new Error(`${run.tenant}: ${finish.step} ended ${finish.status}`);
  return { tenant: run.tenant, chunks, finish, wallMs: performance.now() - started };
}
