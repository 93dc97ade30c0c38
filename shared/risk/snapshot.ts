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
      return normaliseNumber(raw);
    case 'toggle':
      return normaliseToggle(raw);
    case 'tags':
      return normaliseTags(raw);
  }
}

// -1 is DSPM's "not computed": unknown, never a value.
const normaliseNumber = (raw: unknown): number | null =>
  typeof raw === 'number' && Number.isFinite(raw) && raw !== -1 ? raw : null;

const normaliseToggle = (raw: unknown): string | null => (typeof raw === 'string' && raw !== '' ? raw : null);

function normaliseTags(raw: unknown): readonly number[] {
  if (!Array.isArray(raw)) return [];
  return isStrictlyAscending(raw) ? raw.slice() : [...new Set(raw as number[])].sort((a, b) => a - b);
}

function isStrictlyAscending(values: readonly unknown[]): boolean {
  for (let i = 1; i < values.length; i++)
    if (!((values[i - 1] as number) < (values[i] as number))) return false;
  return true;
}

/**
 * True when `store`'s watched fields equal `snapshot`, read without building a snapshot. This is
 * the poll's hot path (most stores are unchanged), so it allocates nothing.
 */
export function storeMatchesSnapshot(
  store: ConnectedDataStore,
  snapshot: Snapshot,
  fields: readonly WatchedField[],
): boolean {
  for (const field of fields) {
    if (!Object.hasOwn(snapshot, field)) return false;
    const committed = snapshot[field] ?? null;
    const raw: unknown = store[field];
    switch (WATCHABLE_FIELDS[field]) {
      case 'score':
      case 'count':
        if (normaliseNumber(raw) !== committed) return false;
        break;
      case 'toggle':
        if (normaliseToggle(raw) !== committed) return false;
        break;
      case 'tags': {
        const tags = Array.isArray(raw) ? raw : [];
        if (!Array.isArray(committed) || !isStrictlyAscending(tags) || tags.length !== committed.length) {
          if (!sameSnapshotValue(normaliseTags(raw), committed)) return false;
          break;
        }
        for (let i = 0; i < tags.length; i++) if (tags[i] !== committed[i]) return false;
        break;
      }
    }
  }
  return true;
}

/** SHA-256 (hex) of the snapshot's canonical JSON (keys sorted). */
export function fingerprint(snapshot: Snapshot): string {
  const keys = Object.keys(snapshot).sort() as WatchedField[];
  const canonical = JSON.stringify(keys.map((key) => [key, snapshot[key] ?? null]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** True when both snapshots hold the same fields with the same values (cheaper than two fingerprints). */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  let count = 0;
  for (const key in a) {
    count++;
    if (!Object.hasOwn(b, key)) return false;
    if (!sameSnapshotValue(a[key as WatchedField] ?? null, b[key as WatchedField] ?? null)) return false;
  }
  for (const _key in b) count--;
  return count === 0;
}

function sameSnapshotValue(x: SnapshotValue, y: SnapshotValue): boolean {
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  return x === y;
}
