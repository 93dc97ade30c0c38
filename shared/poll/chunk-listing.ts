/**
 * The listing stage of a poll's chunk: pages of connected stores listed from where the last
 * chunk stopped, gathered to a `STREAM_PAGE` of stores, then assessed, published and committed
 * together, until the listing ends, fails, or the chunk stops (its time, the caller's signal)
 * after the page in hand. The offset it reports only ever points after a committed batch.
 */
import type { ListedPage, ListingReport } from '../dspm/listing.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { IdSet } from '../state/id-set.ts';
import { type HeldLease, LeaseLostError } from '../state/lease.ts';
import type { PollCheckpoint } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';
import type { StepOptions } from './poll-run.ts';
import { assessPage, type PollTotals, publishAndCommit, STREAM_PAGE, totalsOf } from './poll-stages.ts';
import type { StartingPoint } from './starting-point.ts';

/** What stopped a chunk's listing before its end. */
export type StoppedBy = 'time' | 'signal';

/** What a chunk's listing came to, and what it committed. */
export interface ListedChunk {
  /** Offset of the first page after the last committed batch: where the next chunk starts. */
  readonly nextOffset: number;
  readonly pagesListed: number;
  readonly stoppedBy: StoppedBy | undefined;
  /** The error the listing ended on (a failure to publish or commit is thrown instead). */
  readonly error: Error | undefined;
  readonly report: ListingReport;
  /** Ids the pass has seen, this chunk's included. */
  readonly seen: IdSet;
  /** What the pass's committed pages add up to, this chunk's included. */
  readonly totals: PollTotals;
}

/**
 * Lists, assesses, publishes and commits the chunk's pages. What was listed before a listing
 * failure is still published and committed. Throws what publishing or committing threw, and a
 * `LeaseLostError` when another run took the lease over.
 */
export async function listAndCommit(
  ports: PollPorts,
  settings: PollSettings,
  options: StepOptions,
  start: StartingPoint,
  checkpoint: PollCheckpoint,
  lease: HeldLease,
): Promise<ListedChunk> {
  const totals = totalsOf(checkpoint);
  const seen = IdSet.from(checkpoint.seen);
  const { listing: previous } = checkpoint;
  const listing = ports.dspm.connectedDataStores({
    onProgress: ports.onListingProgress,
    resume: previous.total === undefined ? undefined : { offset: previous.nextOffset, total: previous.total },
    seen,
  });
  const batch = new PageBatch(previous.nextOffset, (stores) =>
    assessPage(ports, settings, start, stores, (plan) => publishAndCommit(ports, start, plan, totals, lease)),
  );
  const drained = await drainPages(listing.pages(), batch, stopCheck(ports, options, lease));
  if (batch.pending) await batch.commit();
  lease.assertHeld();
  return { ...drained, nextOffset: batch.committedOffset, report: listing.report(), seen, totals };
}

/** Whether the chunk should stop after the page in hand: the caller's signal or the lease's, else its time. */
function stopCheck(ports: PollPorts, options: StepOptions, lease: HeldLease): () => StoppedBy | undefined {
  const stop = ports.signal ? AbortSignal.any([ports.signal, lease.signal]) : lease.signal;
  return () => {
    if (stop.aborted) return 'signal';
    if (options.stopAtMs !== undefined && ports.clock.now() >= options.stopAtMs) return 'time';
    return undefined;
  };
}

/** Feeds the pages to `batch`, committing it when full, at the listing's end, or at a stop. */
async function drainPages(
  pages: AsyncIterable<ListedPage<ConnectedDataStore>>,
  batch: PageBatch,
  stopCheck: () => StoppedBy | undefined,
): Promise<Pick<ListedChunk, 'pagesListed' | 'stoppedBy' | 'error'>> {
  let pagesListed = 0;
  let stoppedBy: StoppedBy | undefined;
  let committing = false;
  try {
    for await (const page of pages) {
      batch.add(page);
      pagesListed++;
      // Leaving the loop ends the listing: pages in flight are dropped, no new ones are asked for.
      if (page.more) stoppedBy = stopCheck();
      if (!batch.full && page.more && stoppedBy === undefined) continue;
      committing = true;
      await batch.commit();
      committing = false;
      if (stoppedBy !== undefined) break;
    }
  } catch (caught) {
    // A failure while publishing or committing is the poll's, not the listing's: it propagates.
    if (committing || caught instanceof LeaseLostError) throw caught;
    return { pagesListed, stoppedBy, error: caught as Error };
  }
  return { pagesListed, stoppedBy, error: undefined };
}

/** Listed stores gathered until committed together; the offset moves only past a committed batch. */
class PageBatch {
  #stores: ConnectedDataStore[] = [];
  #end: number;
  #committedOffset: number;
  readonly #commit: (stores: ConnectedDataStore[]) => Promise<void>;

  constructor(startOffset: number, commit: (stores: ConnectedDataStore[]) => Promise<void>) {
    this.#end = startOffset;
    this.#committedOffset = startOffset;
    this.#commit = commit;
  }

  /** Offset of the first page after the last committed batch. */
  get committedOffset(): number {
    return this.#committedOffset;
  }

  /** A `STREAM_PAGE` of stores or more is waiting. */
  get full(): boolean {
    return this.#stores.length >= STREAM_PAGE;
  }

  /** Listed pages wait to be committed (empty pages too: they move the offset). */
  get pending(): boolean {
    return this.#stores.length > 0 || this.#end !== this.#committedOffset;
  }

  add(page: ListedPage<ConnectedDataStore>): void {
    this.#stores.push(...page.items);
    this.#end = page.nextOffset;
  }

  async commit(): Promise<void> {
    await this.#commit(this.#stores);
    this.#stores = [];
    this.#committedOffset = this.#end;
  }
}
