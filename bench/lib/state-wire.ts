/**
 * The wire between a benchmark's poller process and its state process (bench/lib/state-server.ts):
 * one HTTP POST per `SnapshotStore` call, body and answer in V8's serialization format, which
 * carries what the port passes (Map, Set, Date, undefined) without a hand-written codec. A poll
 * checkpoint travels packed (shared/state/checkpoint-codec.ts), as the DynamoDB store writes it,
 * so the poller process pays for packing its seen ids as a Lambda does.
 */
import { deserialize, serialize } from 'node:v8';

/** The `SnapshotStore` calls the state process answers, plus the cursor calls behind `streamStores`. */
export const STATE_METHODS = [
  'tryAcquireLease',
  'renewLease',
  'releaseLease',
  'loadMeta',
  'loadStores',
  'loadStoresById',
  'commitStores',
  'saveMeta',
  'loadCheckpoint',
  'saveCheckpoint',
  'clearCheckpoint',
  'streamOpen',
  'streamNext',
  'streamClose',
  'stats',
] as const;

/** One of {@link STATE_METHODS}. */
export type StateMethod = (typeof STATE_METHODS)[number];

/** A call: the method and its arguments, as the port takes them. */
export interface StateCall {
  readonly method: StateMethod;
  readonly args: readonly unknown[];
}

/**
 * The answer: the method's result and the items the call wrote (so each client counts its own
 * writes, as a DynamoDB store instance does), or the error's name and message.
 */
export type StateAnswer =
  | { readonly ok: true; readonly value: unknown; readonly written: number }
  | { readonly ok: false; readonly name: string; readonly message: string };

/** What `stats` answers: the state process's own footprint, for the benchmark's report. */
export interface StateStats {
  readonly itemsWritten: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

/** Encodes a call or an answer. */
export function encode(message: StateCall | StateAnswer): Buffer {
  return serialize(message);
}

/** Decodes a call or an answer; throws when the bytes are not V8-serialized. */
export function decode<T extends StateCall | StateAnswer>(bytes: Buffer): T {
  return deserialize(bytes) as T;
}

/** True when `method` is one the state process answers. */
export function isStateMethod(method: unknown): method is StateMethod {
  return typeof method === 'string' && (STATE_METHODS as readonly string[]).includes(method);
}
