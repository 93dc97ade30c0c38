/**
 * Everything a state backend (DynamoDB, a local file, memory) keeps, as one port: the poller's
 * snapshots and tenant facts, the poll's checkpoints, and the tagger's protection records. The
 * ports themselves live in leaf modules (records.ts, poll/checkpoint-store.ts,
 * protection-records.ts); this file only joins them, so none of them imports another.
 */
import type { CheckpointStore } from '../poll/checkpoint-store.ts';
import type { ProtectionStore } from './protection-records.ts';
import type { SnapshotStore } from './records.ts';

/** Everything the bridge keeps: the poller's snapshots and checkpoints, the tagger's protection records. */
export type StateStore = SnapshotStore & CheckpointStore & ProtectionStore;
