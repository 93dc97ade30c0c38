/**
 * Third stage of the sweep: ask the backup inventory (AWS Backup's recovery points, through the
 * `BackupInventory` port of inventory.ts) about the stores left, a few at a time. Stores watched
 * for one RPO can be tagged, so they are asked first; past `maxLookups` the rest wait for the next
 * sweep. Each store's AWS resource comes from its identity (inventory-arn.ts).
 */
import type { Catalog } from '../../risk/catalog.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { ProtectionSettings } from '../apply-protection.ts';
import type { InventoryAnswer } from '../inventory.ts';
import { storeResource } from '../inventory-arn.ts';
import type { SweepSettings } from '../sweep-settings.ts';
import type { SweepPorts } from './sweep-report.ts';
import { type SweepView, watchedFor } from './sweep-view.ts';

/** Why a store was not asked: the sweep's lookup cap. */
export const NOT_ASKED = 'not asked this sweep: COVERAGE_MAX_LOOKUPS reached; asked on a later sweep';
/** Why a store cannot be asked at all. */
export const NO_ARN = 'the store names no AWS resource (RDS, Aurora, Redshift, DynamoDB or S3) to ask about';

/** What the inventory said, store by store. */
export interface InventoryAnswers {
  /** The inventory's name (`aws-backup`, or `none`). */
  readonly name: string;
  /** How many stores were asked about. */
  readonly asked: number;
  /** How many the inventory could not answer (not counting stores it was not, or could not be, asked about). */
  readonly unavailable: number;
  readonly answers: ReadonlyMap<number, InventoryAnswer>;
}

/** Asks about the stores, up to the lookup cap (a warning says how many were left). */
export async function askInventory(
  ports: SweepPorts,
  settings: ProtectionSettings,
  sweep: SweepSettings,
  view: SweepView,
  toAsk: readonly StoreRecord[],
): Promise<InventoryAnswers> {
  const maxLookups = sweep.maxLookups ?? 5_000;
  const canBeTagged = (record: StoreRecord) => Number(watchedFor(view, record) >= view.rpoMs);
  const asked = [...toAsk].sort((a, b) => canBeTagged(b) - canBeTagged(a)).slice(0, maxLookups);
  const enoughSince = new Date(view.now - view.rpoMs);
  const answers = await askEach(ports, settings, sweep, view.catalog, asked, enoughSince);
  if (toAsk.length > asked.length) {
    ports.logger.warn(
      'coverage sweep hit its inventory lookup cap; the rest are unknown until the next sweep',
      {
        lookups: maxLookups,
        notAsked: toAsk.length - asked.length,
      },
    );
  }
  const unavailable = [...answers.values()].filter(
    (answer) => answer.kind === 'unavailable' && answer.why !== NO_ARN && answer.why !== NOT_ASKED,
  ).length;
  return { name: ports.inventory.name, asked: asked.length, unavailable, answers };
}

/** The answer about one store; a store not asked this sweep is `unavailable` with `NOT_ASKED`. */
export function answerFor(inventory: InventoryAnswers, storeId: number): InventoryAnswer {
  return inventory.answers.get(storeId) ?? { kind: 'unavailable', why: NOT_ASKED };
}

/** Asks about each store, `inventoryConcurrency` at a time. */
async function askEach(
  ports: SweepPorts,
  settings: ProtectionSettings,
  sweep: SweepSettings,
  catalog: Catalog,
  stores: readonly StoreRecord[],
  enoughSince: Date,
): Promise<Map<number, InventoryAnswer>> {
  const answers = new Map<number, InventoryAnswer>();
  const mappedArns = new Map<number, string>();
  for (const [key, storeId] of settings.mappings) if (key.startsWith('arn:')) mappedArns.set(storeId, key);
  let next = 0;
  const worker = async () => {
    while (next < stores.length) {
      const record = stores[next++] as StoreRecord;
      const resource = resourceOf(record, catalog, mappedArns.get(record.storeId));
      answers.set(
        record.storeId,
        resource
          ? await ports.inventory.lastRecoveryPoint({ ...resource, enoughSince })
          : { kind: 'unavailable', why: NO_ARN },
      );
    }
  };
  const workers = Math.max(1, Math.min(sweep.inventoryConcurrency ?? 8, stores.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return answers;
}

function resourceOf(record: StoreRecord, catalog: Catalog, mappedArn: string | undefined) {
  const { identity } = record;
  return storeResource(identity, {
    serviceName: catalog.services.get(identity.serviceId)?.name,
    connectionAccountId:
      identity.connectionId === null
        ? undefined
        : (catalog.connections.get(identity.connectionId)?.account_id ?? undefined),
    mappedArn,
  });
}
