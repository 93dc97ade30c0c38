/**
 * How a page of listed stores meets its committed records: through the fingerprint gate where the
 * state keeps an index (only stores whose digest moved are read), else all of them by id.
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { StoreRecord } from '../state/records.ts';
import type { PollPlan } from './poll-plan.ts';
import type { PollPorts } from './poll-ports.ts';
import type { StartingPoint } from './starting-point.ts';

/**
 * Hands each store of `group` that needs assessing to `assess` with its committed record; the
 * stores the index confirms are counted seen and unchanged in `plan` without a read.
 */
export async function readThroughGate(
  ports: PollPorts,
  start: Pick<StartingPoint, 'baseline' | 'gate'>,
  group: readonly ConnectedDataStore[],
  plan: PollPlan,
  assess: (store: ConnectedDataStore, committed: StoreRecord | undefined) => void,
): Promise<void> {
  const { state, tenant } = ports;
  // A baseline has nothing committed to compare with (earlier chunks of it included).
  if (start.baseline) {
    for (const store of group) assess(store, undefined);
    return;
  }
  const { gate } = start;
  const split = gate ? await gate.split(group) : undefined;
  for (const storeId of split?.confirmed ?? []) confirmUnchanged(plan, storeId);
  const toRead = split?.toRead ?? group;
  if (toRead.length === 0) return;
  const committed = await state.loadStoresById(
    tenant,
    toRead.map((store) => store.id),
  );
  for (const store of toRead) assess(store, committed.get(store.id));
  if (!gate || !split) return;
  const planned = new Set([...plan.onAccepted.keys(), ...plan.quiet.map((record) => record.storeId)]);
  for (const store of toRead) {
    const record = committed.get(store.id);
    if (record !== undefined && !planned.has(store.id))
      gate.noteUnchanged(record, split.digests.get(store.id));
  }
}

/** What `planStore` records for a store it finds unchanged: seen, unchanged, nothing to publish or commit. */
function confirmUnchanged(plan: PollPlan, storeId: number): void {
  plan.seen.add(storeId);
  plan.counts.seen++;
  plan.counts.unchanged++;
}
