import { describe, expect, it } from 'vitest';
import type { ConnectedDataStore } from '#shared/dspm/schemas.ts';
import type { FindingDetail } from '#shared/events/contract.ts';
import { assessStore } from '#shared/poll/assess-store.ts';
import { newPlan, planRemovals, planStore, settlePublish } from '#shared/poll/poll-plan.ts';
import type { PollContext } from '#shared/risk/build-events.ts';
import { buildCatalog } from '#shared/risk/catalog.ts';
import { DEFAULT_RISK_BANDS } from '#shared/risk/levels.ts';
import { DEFAULT_WATCHED_FIELDS } from '#shared/risk/watched-fields.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const guideStore = () =>
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
const assessment = { watchedFields: DEFAULT_WATCHED_FIELDS, minimumDeltas: {}, silentBaseline: false };
const times = ['2026-11-22T10:00:00Z', '2026-11-22T10:15:00Z', '2026-11-22T10:30:00Z'].map(
  (t) => new Date(t),
);

/** One poll of `store` over `committed`: the plan, and the record it commits when all is accepted. */
function pollOnce(store: ConnectedDataStore | undefined, committed: StoreRecord | undefined, at: Date) {
  const plan = newPlan();
  if (store) planStore(plan, store, committed, at, context, assessment);
  else if (committed) planRemovals(plan, new Map([[committed.storeId, committed]]), at, context);
  const { toCommit } = settlePublish(
    plan,
    plan.events.map(() => ({ ok: true })),
  );
  return { plan, record: toCommit[0] ?? committed };
}

describe('a store removed and back', () => {
  it('opens its findings again as the next occurrence, sequence going on', () => {
    // Arrange: backup Off, the finding opens; the store goes (a complete listing resolves it).
    const store = { ...guideStore(), backup: 'Off' };
    const first = assessStore(store, undefined, times[0] as Date, context, {
      ...assessment,
      silentBaseline: true,
    });
    if (first.kind !== 'quiet') throw new Error('a silent baseline is quiet');
    const opened = pollOnce(store, { ...first.record, findings: {} }, times[0] as Date);
    const removed = pollOnce(undefined, opened.record, times[1] as Date);
    // Act: the store is listed again.
    const back = pollOnce(store, removed.record, times[2] as Date);
    // Assert
    const backupOff = (plan: ReturnType<typeof newPlan>) =>
      plan.events.map((e) => e.detail as FindingDetail).filter((d) => d.condition === 'backup-off');
    expect(backupOff(removed.plan)).toMatchObject([
      { status: 'resolved', resolution: 'store-removed', sequence: 2 },
    ]);
    expect(back.plan.events.map((e) => e.detailType)).toContain('data-store-discovered');
    const [again] = backupOff(back.plan);
    expect(again).toMatchObject({ status: 'open', occurrence: 2, sequence: 3, baseline: false });
    expect(again?.eventId).not.toBe(backupOff(opened.plan)[0]?.eventId);
  });
});
