/**
 * What applying one backup observation needs and returns: its ports, its settings and its
 * outcome. A leaf module, so the stages (apply/), the pipeline (backup-event-to-tag-write.ts), the
 * sweep and the composition root all import these without importing one another.
 *
 * The path itself, from the queue's record to the DSPM tag write, reads in
 * backup-event-to-tag-write.ts.
 */
import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import type { BusEvent, ProtectionChangedDetail } from '../events/contract.ts';
import type { EventSink } from '../events/sink.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import type { ConditionSetting } from '../findings/severities.ts';
import type { Logger } from '../logger.ts';
import type { CatalogCache } from '../risk/catalog-cache.ts';
import type { ProtectionRecord, ProtectionStore } from '../state/protection-records.ts';
import type { FallbackLookups } from './fallback-lookups.ts';
import type { StoreTagWriter } from './store-tags.ts';
import type { UnprotectedTagSettings } from './unprotected-tag-settings.ts';

/** What applying needs. */
export interface ProtectionPorts {
  readonly dspm: DspmClient;
  readonly state: ProtectionStore;
  readonly sink: EventSink;
  readonly catalog: CatalogCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tenant: string;
  /** The tagger's DSPM writes; without it, the live writer (a dry run wires `dryRunTagWriter`). */
  readonly tags?: StoreTagWriter | undefined;
  /** Remembered DSPM lookups for resources the state does not know; without it nothing is remembered. */
  readonly lookups?: FallbackLookups | undefined;
  /**
   * People's exceptions, applied to the `unprotected` finding (read once per observation that may
   * move it, only when the tenant has any); absent, none apply.
   */
  readonly exceptions?: ExceptionStore | undefined;
}

/** How applying behaves. */
export interface ProtectionSettings {
  readonly tag: UnprotectedTagSettings;
  readonly source: string;
  readonly test: boolean;
  /** Explicit ARN or endpoint to store id mappings. */
  readonly mappings: ReadonlyMap<string, number>;
  /** How long a store lock lasts, and how long to wait for one. */
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  /** The `unprotected` finding's severity, or `off` (`FINDING_SEVERITIES`); the default medium when absent. */
  readonly unprotectedFinding?: ConditionSetting | undefined;
}

/** Defaults: locks of 30 s, waited for up to 20 s. */
export const DEFAULT_LOCKING = { lockTtlMs: 30_000, lockWaitMs: 20_000 } as const;

/** What happens to the store's `Unprotected` tag. */
export type TagAction = ProtectionChangedDetail['tag']['action'];

/** The outcome of one observation. */
export type ProtectionOutcome =
  | { readonly status: 'unknown-resource'; readonly eventId: string }
  | { readonly status: 'duplicate' | 'stale'; readonly eventId: string; readonly storeId: number }
  | {
      readonly status: 'applied';
      readonly eventId: string;
      readonly storeId: number;
      readonly protection: ProtectionRecord['status'];
      readonly tagAction: TagAction;
      /** The event published (or, in a dry run, that would be). */
      readonly event?: BusEvent<ProtectionChangedDetail> | undefined;
    };
