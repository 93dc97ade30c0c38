/**
 * The port the coverage sweep asks before it calls a store unprotected: a backup system's own
 * inventory (AWS Backup's recovery points). Events are best effort; the inventory is the record.
 * The adapter lives in `shared/aws/backup-inventory.ts`; tests reach it through the AWS Backup peer.
 */

/** One question: the newest usable recovery point of one resource. */
export interface InventoryQuery {
  readonly resourceArn: string;
  readonly accountId: string;
  readonly region: string;
  /**
   * A recovery point created at or after this is enough to answer "protected", so the adapter may
   * stop reading pages once it has seen one.
   */
  readonly enoughSince: Date;
}

/** What the inventory said. */
export type InventoryAnswer =
  /** The inventory answered: the newest completed recovery point, or none at all. */
  | { readonly kind: 'answered'; readonly lastRecoveryPointAt: Date | undefined }
  /** It could not be asked (not configured for that account or region, access denied, throttled, down). */
  | { readonly kind: 'unavailable'; readonly why: string };

/** A backup inventory. Implementations never throw for an unreachable inventory: they answer `unavailable`. */
export interface BackupInventory {
  /** The name the summary and events use (`aws-backup`). */
  readonly name: string;
  lastRecoveryPoint(query: InventoryQuery): Promise<InventoryAnswer>;
}

/** The inventory of a bridge configured without one: every question is unanswerable. */
export const NO_INVENTORY: BackupInventory = {
  name: 'none',
  lastRecoveryPoint: async () => ({
    kind: 'unavailable',
    why: 'no backup inventory is configured (BACKUP_INVENTORY=off)',
  }),
};
