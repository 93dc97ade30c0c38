/**
 * The poll's ports and its outcome: what every step of a poll (chunk, finish, lease, stages) and
 * every caller (the Lambda, the CLI's in-process driver) share. A leaf module of types, so the
 * steps import it rather than one of the callers.
 */
import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import type { ListingProgress } from '../dspm/listing.ts';
import type { PollCompletedDetail } from '../events/contract.ts';
import type { EventSink } from '../events/sink.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import type { Logger } from '../logger.ts';
import type { SnapshotStore } from '../state/records.ts';
import type { StateCensus } from '../state/state-census.ts';
import type { CheckpointStore } from './checkpoint-store.ts';

/** What a poll needs. */
export interface PollPorts {
  readonly dspm: DspmClient;
  /** The tenant's snapshots, facts and lease, and its poll in progress between chunks. */
  readonly state: SnapshotStore & CheckpointStore;
  /**
   * The tenant's exceptions, read once per chunk and applied to its findings; absent, none apply
   * (a caller that keeps none).
   */
  readonly exceptions?: ExceptionStore | undefined;
  readonly sink: EventSink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The tenant's name in events and state (its host). */
  readonly tenant: string;
  readonly newPollId?: () => string;
  /** Told after each page of connected stores (the CLI's progress bar). */
  readonly onListingProgress?: ((progress: ListingProgress) => void) | undefined;
  /** Aborted to stop at a safe point (Ctrl-C): no new pages; what was seen is published and committed. */
  readonly signal?: AbortSignal | undefined;
}

/** How a poll ended. */
export type PollOutcome =
  | { readonly status: 'skipped'; readonly reason: 'lease-held'; readonly pollId: string }
  | {
      readonly status: 'completed';
      readonly pollId: string;
      readonly summary: PollCompletedDetail;
      /** Chunks the poll took (the step-wise finish says; the benchmark's whole-poll baseline does not). */
      readonly chunks?: number | undefined;
      /**
       * What the committed state adds up to after a complete pass (stores and open findings of the
       * poll's conditions); absent after an incomplete one, which never walks the state.
       */
      readonly census?: StateCensus | undefined;
      /**
       * The finish step's count of the tenant's exceptions in force that end within the
       * `expiring` notice (7 days), from the one list of them the step reads anyway.
       */
      readonly exceptionsExpiringSoon?: number | undefined;
      /** Set when the listing failed part-way: what was seen was still published and committed. */
      readonly error?: Error | undefined;
    };
