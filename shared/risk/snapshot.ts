/**
 * A store's watched fields, normalised so that equal postures compare equal: `-1` and missing
 * values become `null` (unknown), tag ids are sorted and unique. The fingerprint is a SHA-256 of
 * the snapshot's canonical JSON; equal fingerprints mean nothing watched changed.
 */
import { createHash } from 'node:crypto';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { WATCHABLE_FIELDS, type WatchedField } from './watched-fields.ts';

/** A watched value: a number, a toggle string, a sorted tag id list, or null for unknown. */
export type SnapshotValue = number | string | readonly number[] | null;

/** The watched fields of one store, in a fixed key order. */
export type Snapshot = Readonly<Partial<Record<WatchedField, SnapshotValue>>>;

/** Reads the watched fields of `store`. */
export function takeSnapshot(store: ConnectedDataStore, fields: readonly WatchedField[]): Snapshot {
  const snapshot: Partial<Record<WatchedField, SnapshotValue>> = {};
  for (const field of fields) snapshot[field] = normalise(field, store[field]);
  return snapshot;
}

function normalise(field: WatchedField, raw: unknown): SnapshotValue {
  switch (WATCHABLE_FIELDS[field]) {
    case 'score':
    case 'count':
      // -1 is DSPM's "not computed": unknown, never a value.
      return typeof raw === 'number' && Number.isFinite(raw) && raw !== -1 ? raw : null;
    case 'toggle':
      return typeof raw === 'string' && raw !== '' ? raw : null;
    case 'tags':
      return Array.isArray(raw) ? [...new Set(raw as number[])].sort((a, b) => a - b) : [];
  }
}

/** SHA-256 (hex) of the snapshot's canonical JSON (keys sorted). */
export function fingerprint(snapshot: Snapshot): string {
  const keys = Object.keys(snapshot).sort() as WatchedField[];
  const canonical = JSON.stringify(keys.map((key) => [key, snapshot[key] ?? null]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** True when both snapshots hold the same fields with the same values (cheaper than two fingerprints). */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  const keys = Object.keys(a) as WatchedField[];
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (x !== y) {
      return false;
    }
  }
  return true;
}
