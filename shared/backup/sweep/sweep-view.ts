/**
 * First stage of the sweep: what it reads once, up front. The stores the poller has committed
 * (live ones, in store id order), their protection records, the catalog, and the sweep's clock.
 */
import type { Catalog } from '../../risk/catalog.ts';
import type { ProtectionRecord } from '../../state/protection-records.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { SweepSettings } from '../sweep-settings.ts';
import type { SweepPorts } from './sweep-report.ts';

/** The sweep's view of the tenant. */
export interface SweepView {
  /** Live stores in store id order. */
  readonly stores: readonly StoreRecord[];
  readonly protections: ReadonlyMap<number, ProtectionRecord>;
  readonly catalog: Catalog;
  /** The sweep's `now` (epoch ms), and the RPO in ms. */
  readonly now: number;
  readonly rpoMs: number;
}

/** Reads the stores, their protection records and the catalog at once. */
export async function loadSweepView(ports: SweepPorts, sweep: SweepSettings): Promise<SweepView> {
  const [stores, protections, catalog] = await Promise.all([
    ports.state.loadStores(ports.tenant),
    ports.state.listProtections(ports.tenant),
    ports.catalog.get(),
  ]);
  // In store id order, as DynamoDB returns them, whatever order a local store committed them in
  // (a store whose findings opened on the baseline commits after the bulk), so the change cap
  // defers the same stores on every backend.
  const inIdOrder = [...stores.values()].sort((a, b) => a.storeId - b.storeId);
  return {
    stores: inIdOrder.filter((record) => record.removedAt === undefined),
    protections,
    catalog,
    now: ports.clock.now(),
    rpoMs: sweep.rpoHours * 3_600_000,
  };
}

/** How long the bridge has watched the store (ms), from when the poller first saw it. */
export function watchedFor(view: SweepView, record: StoreRecord): number {
  return view.now - Date.parse(record.firstSeenAt ?? record.observedAt);
}
