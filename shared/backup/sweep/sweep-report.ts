/**
 * The coverage sweep's ports and report: a leaf, so the sweep's stages and its callers (the
 * Lambda, the CLI) import them without importing the pipeline (sweep-coverage.ts).
 */
import type { Logger } from '../../logger.ts';
import type {
  CoverageEvidence,
  CoverageReason,
  CoverageState,
  ProtectionStore,
} from '../../state/protection-records.ts';
import type { SnapshotStore } from '../../state/records.ts';
import type { ProtectionOutcome, ProtectionPorts } from '../apply-protection.ts';
import type { BackupInventory } from '../inventory.ts';

/** What the sweep needs beyond applying: the state, a logger and the backup inventory. */
export type SweepPorts = ProtectionPorts & {
  readonly state: ProtectionStore & SnapshotStore;
  readonly logger: Logger;
  readonly inventory: BackupInventory;
};

/** What one store's sweep decided to change. */
export interface SweepDecision {
  readonly storeId: number;
  readonly name: string;
  readonly endpoint: string;
  /** The coverage the store moves to. */
  readonly to: CoverageState;
  readonly reason: CoverageReason;
  readonly evidence: CoverageEvidence;
  readonly outcome?: ProtectionOutcome | undefined;
}

/** A store whose coverage the sweep could not establish (and so did not tag). */
export interface SweepUnknown {
  readonly storeId: number;
  readonly name: string;
  readonly reason: 'WATCHING' | 'INVENTORY_UNAVAILABLE' | 'NO_RESOURCE_ARN';
  /** Why the inventory could not be asked, or when the watch reaches one RPO. */
  readonly detail: string;
}

/** The sweep's report. */
export interface SweepReport {
  readonly sweepId: string;
  readonly storesChecked: number;
  readonly excluded: number;
  readonly decisions: readonly SweepDecision[];
  /** Decisions left for the next sweep because of `maxChanges`. */
  readonly deferred: number;
  /** The inventory asked (`aws-backup`, or `none`). */
  readonly inventory: string;
  /** Questions asked of the inventory, and how many it could not answer. */
  readonly inventoryLookups: number;
  readonly inventoryUnavailable: number;
  /** Stores per coverage state once the sweep's decisions apply (deferred ones counted as they were). */
  readonly coverage: Readonly<Record<CoverageState, number>>;
  /** Every store left unknown, with why. */
  readonly unknown: readonly SweepUnknown[];
}
