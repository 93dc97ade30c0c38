/**
 * The figures one poll step prints (bench/poll-step.ts), and the runner that starts each step in
 * a fresh process, as a new Lambda invocation would be.
 */
import { execFile } from 'node:child_process';

/** What one step in its own process did and cost. */
export interface StepFigures {
  readonly step: string;
  /** `completed`, `more`, `listed` or `skipped`. */
  readonly status: string;
  /** For a completed poll: whether the pass added up. */
  readonly complete?: boolean | undefined;
  /** Stores the pass has seen (for a chunk: so far, over every chunk). */
  readonly stores: number;
  readonly changed?: number | undefined;
  readonly removed?: number | undefined;
  /** Chunks done so far, this one included (chunked steps). */
  readonly chunk?: number | undefined;
  /** Entries this process published, the summary included. */
  readonly events: number;
  readonly putEventsCalls: number;
  /** State items this process wrote (leases, meta and checkpoints included). */
  readonly itemsWritten: number;
  /** DSPM requests this process made. */
  readonly dspmRequests: number;
  /** Of them, answered 429 (and retried). */
  readonly dspmThrottled: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** RSS once the modules and clients are loaded, before the step began. */
  readonly startRssMb: number;
  /** Peak RSS of the whole process (Node included). */
  readonly peakRssMb: number;
  /**
   * Heap still reachable once the step is done, after a full collection: what the step keeps,
   * against the peak, which also holds garbage V8 had not yet collected.
   */
  readonly liveHeapMb?: number | undefined;
}

/** A step that runs longer than this is stuck: a Lambda would have timed out long before. */
const STEP_TIMEOUT_MS = 15 * 60_000;

/**
 * Runs `node [nodeFlags] bench/poll-step.ts ...args` and parses its last stdout line. Rejects
 * with the step's stderr when it fails or runs past 15 minutes.
 */
export function runStep(args: readonly string[], nodeFlags: readonly string[] = []): Promise<StepFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      // --expose-gc only lets the step collect before it reads its live heap, at the very end.
      ['--expose-gc', ...nodeFlags, 'bench/poll-step.ts', ...args],
      { encoding: 'utf8', maxBuffer: 1 << 20, timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`poll step ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-2000)}`));
          return;
        }
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as StepFigures);
      },
    );
  });
}
