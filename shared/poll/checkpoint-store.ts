/**
 * The port where a poll in progress is kept between its chunks (see poll-checkpoint.ts): every
 * state backend (DynamoDB, a local file, memory) implements it beside its `SnapshotStore`. A leaf
 * module of types, so the backends and the poll's steps both import it and neither the other.
 */
import type { PollCheckpoint } from './poll-checkpoint.ts';

/** Where a tenant's poll in progress is kept between chunks. */
export interface CheckpointStore {
  /** The tenant's poll in progress, as its last chunk left it, or undefined when none is. */
  loadCheckpoint(tenant: string): Promise<PollCheckpoint | undefined>;
  /**
   * Records a poll's checkpoint, over none or over an earlier one of the same poll only
   * (`checkpointMayReplace`): a checkpoint never moves backwards.
   * @returns false when the stored checkpoint is another poll's or as far along (nothing written).
   */
  saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean>;
  /** Removes the checkpoint of poll `pollId` (a finished poll); another poll's is left alone. */
  clearCheckpoint(tenant: string, pollId: string): Promise<void>;
}
