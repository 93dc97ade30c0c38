/**
 * A poll run in steps, so it can outlast one Lambda invocation: `pollChunk` until it reports
 * `listed`, then `finishPoll`. Both take the tenant's poll lease as `runId` (one id for a whole
 * run: a workflow execution's tenant, a CLI run), so two runs of one tenant never work at once,
 * while the steps of one run follow each other without losing it between invocations.
 */
import type { PollOutcome } from './poll-ports.ts';

/** How one step is run. */
export interface StepOptions {
  /** The lease holder: the same for every step of one run. */
  readonly runId: string;
  /**
   * Epoch ms after which a chunk starts no new page: it publishes and commits the page in hand,
   * checkpoints and returns `more`. Absent: the chunk lists to the end.
   */
  readonly stopAtMs?: number | undefined;
}

/** How one chunk ended. */
export type ChunkOutcome =
  /** Another run holds the tenant's lease: nothing was done. */
  | { readonly status: 'skipped'; readonly reason: 'lease-held'; readonly runId: string }
  /** Pages remain: run another chunk. */
  | ({ readonly status: 'more' } & ChunkProgress)
  /** The pass is over (complete or not): run the finish step. */
  | ({
      readonly status: 'listed';
      readonly complete: boolean;
      readonly reason?: string | undefined;
    } & ChunkProgress);

/** Where the poll stands after a chunk. */
export interface ChunkProgress {
  readonly runId: string;
  readonly pollId: string;
  /** Chunks done so far, this one included. */
  readonly chunk: number;
  /** Distinct stores seen by the pass so far. */
  readonly received: number;
  /** `total` of the pass's first page. */
  readonly total: number | undefined;
}

/** How the finish step ended: a completed poll, or nothing to finish. */
export type FinishOutcome =
  | Extract<PollOutcome, { status: 'completed' }>
  | {
      readonly status: 'skipped';
      /** `lease-held`: another run has the tenant; `no-poll`: no checkpoint waits to be finished. */
      readonly reason: 'lease-held' | 'no-poll';
      readonly runId: string;
    };
