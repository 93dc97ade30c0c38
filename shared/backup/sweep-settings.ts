/**
 * The coverage sweep's settings, apart from the use case so configuration can name them without
 * importing it (config readers never import use cases).
 */

/** Sweep settings. */
export interface SweepSettings {
  /** `BACKUP_RPO_HOURS` (default 26). */
  readonly rpoHours: number;
  /** Service ids or names that are never swept (`BACKUP_EXCLUDED_SERVICES`). */
  readonly excludedServices: ReadonlySet<string>;
  /** Infrastructure connection ids never swept (`BACKUP_EXCLUDED_CONNECTIONS`). */
  readonly excludedConnections: ReadonlySet<number>;
  /** Most changes one sweep makes (`COVERAGE_MAX_CHANGES`); the rest wait for the next sweep. */
  readonly maxChanges: number;
  /** Inventory questions in flight at once (`BACKUP_INVENTORY_CONCURRENCY`, default 8). */
  readonly inventoryConcurrency?: number | undefined;
  /**
   * Most stores one sweep asks the inventory about (`COVERAGE_MAX_LOOKUPS`, default 5,000), so a
   * first sweep of a large tenant ends within its invocation; stores watched for one RPO go first.
   */
  readonly maxLookups?: number | undefined;
}
