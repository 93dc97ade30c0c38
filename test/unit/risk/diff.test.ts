import { describe, expect, it } from 'vitest';
import { diffSnapshots, type FieldChange, overallDirection } from '#shared/risk/diff.ts';
import type { Snapshot } from '#shared/risk/snapshot.ts';

describe('diffSnapshots', () => {
  it.each<[string, Snapshot, Snapshot, Partial<FieldChange>[]]>([
    [
      'a risk rating rising',
      { data_store_risk_rating: 36 },
      { data_store_risk_rating: 72 },
      [{ field: 'data_store_risk_rating', delta: 36, direction: 'increased' }],
    ],
    [
      'a count falling',
      { stale_user_count: 27 },
      { stale_user_count: 3 },
      [{ field: 'stale_user_count', delta: -24, direction: 'decreased' }],
    ],
    [
      'unknown (-1) becoming known',
      { data_store_risk_rating: null },
      { data_store_risk_rating: 40 },
      [{ previous: null, current: 40, direction: 'neutral' }],
    ],
    [
      'known becoming unknown',
      { over_privileged_risk_score: 65 },
      { over_privileged_risk_score: null },
      [{ previous: 65, current: null, direction: 'neutral' }],
    ],
    [
      'encryption turned off',
      { encryption: 'On' },
      { encryption: 'Off' },
      [{ field: 'encryption', direction: 'increased' }],
    ],
    ['backup turned on', { backup: 'Off' }, { backup: 'On' }, [{ field: 'backup', direction: 'decreased' }]],
    [
      'a store becoming public',
      { publicly_inaccessible: 'On' },
      { publicly_inaccessible: 'Off' },
      [{ field: 'publicly_inaccessible', direction: 'increased' }],
    ],
    [
      'a tag added',
      { data_tags: [1000004] },
      { data_tags: [1000004, 1000007] },
      [{ field: 'data_tags', direction: 'neutral' }],
    ],
    ['nothing', { encryption: 'On', data_tags: [1, 2] }, { encryption: 'On', data_tags: [1, 2] }, []],
  ])('reports %s', (_case, previous, current, expected) => {
    const { changes } = diffSnapshots(previous, current);
    expect(changes).toHaveLength(expected.length);
    expected.forEach((change, i) => {
      expect(changes[i]).toMatchObject(change);
    });
  });

  it('quiets a change under the minimum delta and keeps the committed value, so drift adds up', () => {
    // Arrange
    const deltas = { sensitive_record_count: 10 };
    // Act: +4, then +4 more from the committed value (still +4 from 100), then +12 in total.
    const first = diffSnapshots({ sensitive_record_count: 100 }, { sensitive_record_count: 104 }, deltas);
    const second = diffSnapshots(first.committable, { sensitive_record_count: 108 }, deltas);
    const third = diffSnapshots(second.committable, { sensitive_record_count: 112 }, deltas);
    // Assert
    expect(first.changes).toEqual([]);
    expect(first.committable).toEqual({ sensitive_record_count: 100 });
    expect(second.changes).toEqual([]);
    expect(third.changes).toEqual([
      { field: 'sensitive_record_count', previous: 100, current: 112, delta: 12, direction: 'increased' },
    ]);
    expect(third.committable).toEqual({ sensitive_record_count: 112 });
  });

  it('always reports unknown to known, whatever the minimum delta', () => {
    const { changes } = diffSnapshots(
      { total_alert_count: null },
      { total_alert_count: 1 },
      { total_alert_count: 100 },
    );
    expect(changes).toHaveLength(1);
  });

  it('adopts a newly watched field quietly instead of reporting it as changed', () => {
    const { changes, committable } = diffSnapshots({ encryption: 'On' }, { encryption: 'On', backup: 'Off' });
    expect(changes).toEqual([]);
    expect(committable).toEqual({ encryption: 'On', backup: 'Off' });
  });
});

describe('overallDirection', () => {
  const change = (direction: FieldChange['direction']): FieldChange => ({
    field: 'encryption',
    previous: null,
    current: null,
    direction,
  });
  it.each<[string, FieldChange['direction'][], string]>([
    ['only increases', ['increased', 'neutral'], 'increased'],
    ['only decreases', ['decreased'], 'decreased'],
    ['both', ['increased', 'decreased'], 'mixed'],
    ['only neutral changes', ['neutral', 'neutral'], 'neutral'],
  ])('is right for %s', (_case, directions, expected) => {
    expect(overallDirection(directions.map(change))).toBe(expected);
  });
});
