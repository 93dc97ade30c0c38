/**
 * What changed between the committed snapshot of a store and what DSPM shows now.
 *
 * Directions: a higher score or count is riskier; a toggle leaving `On` (encryption, backup,
 * publicly_inaccessible) is riskier; unknown <-> known and tag changes are neutral.
 *
 * A minimum delta per field quiets noisy counts: a smaller move is not reported and the committed
 * value stays as it was, so slow drift adds up until it crosses the threshold instead of being
 * swallowed one small step at a time.
 */
import type { Snapshot, SnapshotValue } from './snapshot.ts';
import { SAFE_TOGGLE_VALUE, WATCHABLE_FIELDS, type WatchedField } from './watched-fields.ts';

/** Direction of one field's change. */
export type Direction = 'increased' | 'decreased' | 'neutral';

/** Direction of a whole change set. */
export type OverallDirection = Direction | 'mixed';

/** One watched field that changed. */
export interface FieldChange {
  readonly field: WatchedField;
  readonly previous: SnapshotValue;
  readonly current: SnapshotValue;
  /** `current - previous`, when both are known numbers. */
  readonly delta?: number;
  readonly direction: Direction;
}

/** Smallest absolute change reported, per numeric field (default: any change). */
export type MinimumDeltas = Readonly<Partial<Record<WatchedField, number>>>;

/** The reported changes and the snapshot to commit. */
export interface SnapshotDiff {
  readonly changes: readonly FieldChange[];
  /** `current`, except fields whose change was under the minimum delta keep their committed value. */
  readonly committable: Snapshot;
}

/** Compares two snapshots field by field (fields of `current` only). */
export function diffSnapshots(
  previous: Snapshot,
  current: Snapshot,
  minimumDeltas: MinimumDeltas = {},
): SnapshotDiff {
  const changes: FieldChange[] = [];
  const committable: Partial<Record<WatchedField, SnapshotValue>> = { ...current };
  for (const field of Object.keys(current) as WatchedField[]) {
    // A field watched only since the last poll has no history to compare with: adopt it quietly.
    if (!Object.hasOwn(previous, field)) continue;
    const before = previous[field] ?? null;
    const after = current[field] ?? null;
    if (sameValue(before, after)) continue;
    if (typeof before === 'number' && typeof after === 'number') {
      const delta = after - before;
      if (Math.abs(delta) < (minimumDeltas[field] ?? 0)) {
        committable[field] = before;
        continue;
      }
      changes.push({
        field,
        previous: before,
        current: after,
        delta,
        direction: delta > 0 ? 'increased' : 'decreased',
      });
      continue;
    }
    changes.push({ field, previous: before, current: after, direction: directionOf(field, before, after) });
  }
  return { changes, committable };
}

/** Increased, decreased, mixed (both), or neutral (only neutral changes). */
export function overallDirection(changes: readonly FieldChange[]): OverallDirection {
  const up = changes.some((c) => c.direction === 'increased');
  const down = changes.some((c) => c.direction === 'decreased');
  if (up && down) return 'mixed';
  if (up) return 'increased';
  if (down) return 'decreased';
  return 'neutral';
}

function directionOf(field: WatchedField, before: SnapshotValue, after: SnapshotValue): Direction {
  if (WATCHABLE_FIELDS[field] !== 'toggle' || before === null || after === null) return 'neutral';
  if (before === SAFE_TOGGLE_VALUE && after !== SAFE_TOGGLE_VALUE) return 'increased';
  if (before !== SAFE_TOGGLE_VALUE && after === SAFE_TOGGLE_VALUE) return 'decreased';
  return 'neutral';
}

function sameValue(a: SnapshotValue, b: SnapshotValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
