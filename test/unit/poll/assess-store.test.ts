import { describe, expect, it } from 'vitest';
import type { ConnectedDataStore } from '#shared/dspm/schemas.ts';
import { type AssessmentSettings, assessStore } from '#shared/poll/assess-store.ts';
import type { PollContext } from '#shared/risk/build-events.ts';
import { buildCatalog } from '#shared/risk/catalog.ts';
import { DEFAULT_RISK_BANDS } from '#shared/risk/levels.ts';
import { DEFAULT_WATCHED_FIELDS } from '#shared/risk/watched-fields.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const store = () =>
  loadFixture<{ results: ConnectedDataStore[] }>('dspm/connected-data-stores.response.json')
    .results[0] as ConnectedDataStore;
const context: PollContext = {
  tenant: 'example.goskope.com',
  pollId: 'p',
  source: 'netskope.dspm',
  test: false,
  bands: DEFAULT_RISK_BANDS,
  catalog: buildCatalog({ platforms: [], connections: [], services: [], tags: [] }),
};
const settings: AssessmentSettings = {
  watchedFields: DEFAULT_WATCHED_FIELDS,
  minimumDeltas: {},
  silentBaseline: false,
};
const at = new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T10:15:00Z');

function committed(s: ConnectedDataStore = store()): StoreRecord {
  const result = assessStore(s, undefined, at, context, { ...settings, silentBaseline: true });
  if (result.kind !== 'quiet') throw new Error('a silent baseline is quiet');
  return result.record;
}

describe('assessStore', () => {
  it('records a silent baseline at sequence 0 without an event', () => {
    expect(committed()).toMatchObject({
      storeId: 1,
      sequence: 0,
      observedAt: at.toISOString(),
      identity: { name: 'engineering', serviceId: 5 },
    });
  });

  it('remembers when the bridge first saw a store, through changes and renames; a store back from removal starts again', () => {
    expect(committed().firstSeenAt).toBe(at.toISOString());
    const changed = assessStore({ ...store(), backup: 'Off' }, committed(), later, context, settings);
    const renamed = assessStore(
      { ...store(), name: 'engineering-v2' },
      committed(),
      later,
      context,
      settings,
    );
    expect(changed.kind !== 'unchanged' && changed.record.firstSeenAt).toBe(at.toISOString());
    expect(renamed.kind !== 'unchanged' && renamed.record.firstSeenAt).toBe(at.toISOString());
    const removed = { ...committed(), removedAt: later.toISOString() };
    const back = assessStore(store(), removed, new Date('2026-11-23T10:00:00Z'), context, settings);
    expect(back.kind !== 'unchanged' && back.record.firstSeenAt).toBe('2026-11-23T10:00:00.000Z');
  });

  it('settles an unchanged store without a write', () => {
    expect(assessStore(store(), committed(), later, context, settings)).toEqual({ kind: 'unchanged' });
  });

  it('updates a renamed store quietly, keeping its sequence', () => {
    const result = assessStore({ ...store(), name: 'engineering-v2' }, committed(), later, context, settings);
    expect(result).toMatchObject({
      kind: 'quiet',
      unchanged: true,
      record: { sequence: 0, identity: { name: 'engineering-v2' } },
    });
  });

  it('reports a change with the next sequence and commits the new snapshot', () => {
    const result = assessStore({ ...store(), backup: 'Off' }, committed(), later, context, settings);
    expect(result).toMatchObject({
      kind: 'changed',
      record: { sequence: 1, snapshot: { backup: 'Off' } },
      event: { detailType: 'data-store-risk-changed' },
    });
  });

  it('announces an unknown store as discovered at sequence 1', () => {
    expect(assessStore(store(), undefined, later, context, settings)).toMatchObject({
      kind: 'discovered',
      record: { sequence: 1 },
    });
  });

  it('announces a store back from removal, continuing its sequence', () => {
    const tombstone = { ...committed(), sequence: 4, removedAt: at.toISOString() };
    expect(assessStore(store(), tombstone, later, context, settings)).toMatchObject({
      kind: 'discovered',
      record: { sequence: 5 },
      event: { detail: { previousObservedAt: tombstone.observedAt } },
    });
  });
});
