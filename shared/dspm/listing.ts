/**
 * Offset pagination hidden behind an `AsyncIterable` (the octokit `paginate.iterator` shape).
 *
 * The first page gives `total`; the remaining pages are then fetched concurrently (the rate
 * limiter paces them) and yielded in offset order. Offset paging shifts when stores are added or
 * removed mid-listing, so duplicate ids are dropped, and the listing is complete only when every
 * page reported the same `total` and the distinct ids received add up to it. Callers that act on
 * absence (a `data-store-removed` event) must check `report().complete`.
 */

/** One page as the client parsed it. */
export interface Page<T> {
  readonly total: number;
  readonly items: readonly T[];
}

/** Fetches the page at `offset`. */
export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

/** Progress of a listing, for progress bars. */
export interface ListingProgress {
  readonly pagesDone: number;
  readonly pagesPlanned: number;
  readonly received: number;
  readonly total: number;
}

/** How a listing went. */
export interface ListingReport {
  /** True when every item of the collection was received exactly as `total` said. */
  readonly complete: boolean;
  /** Why the listing is not complete. */
  readonly reason: string | undefined;
  /** `total` of the first page. */
  readonly total: number | undefined;
  /** Distinct items yielded. */
  readonly received: number;
  /** Items dropped because their id had been yielded already. */
  readonly duplicates: number;
  /** Pages fetched. */
  readonly pages: number;
}

/** Options of a listing. */
export interface ListingOptions {
  /** Items per page (`limit`). */
  readonly pageSize: number;
  /** Most pages in flight at once, or a function asked before each launch (it follows latency). */
  readonly concurrency: number | (() => number);
  /** Called after each page. */
  readonly onProgress?: ((progress: ListingProgress) => void) | undefined;
}

/** Every item of a list route, each once. Iterate it once. */
export class Listing<T extends { readonly id: number }> implements AsyncIterable<T> {
  readonly #fetchPage: PageFetcher<T>;
  readonly #options: ListingOptions;
  #started = false;
  #report: ListingReport = {
    complete: false,
    reason: 'not listed yet',
    total: undefined,
    received: 0,
    duplicates: 0,
    pages: 0,
  };

  constructor(fetchPage: PageFetcher<T>, options: ListingOptions) {
    if (!Number.isInteger(options.pageSize) || options.pageSize < 1)
      throw new RangeError(`page size must be a positive integer, got ${options.pageSize}`);
    if (
      typeof options.concurrency === 'number' &&
      (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    )
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.#fetchPage = fetchPage;
    this.#options = options;
  }

  /** How the listing went so far (final once iteration ended or threw). */
  report(): ListingReport {
    return this.#report;
  }

  /**
   * Collects every item. The cap is required: an array of everything must be a decision.
   * @throws RangeError when the collection holds more than `max` items.
   */
  async toArray(max: number): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) {
      if (items.length === max) throw new RangeError(`listing holds more than ${max} items`);
      items.push(item);
    }
    return items;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#started) throw new Error('a listing can be iterated only once; list again for a fresh view');
    this.#started = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<T> {
    const { pageSize, concurrency, onProgress } = this.#options;
    const seen = new Set<number>();
    let duplicates = 0;
    let pages = 0;
    let firstTotal: number | undefined;
    let changedTotal: number | undefined;
    let end = 0;
    const update = (complete: boolean, reason: string | undefined) => {
      this.#report = { complete, reason, total: firstTotal, received: seen.size, duplicates, pages };
    };
    const distinct = function* (items: readonly T[]): Generator<T> {
      for (const item of items) {
        if (seen.has(item.id)) {
          duplicates++;
          continue;
        }
        seen.add(item.id);
        yield item;
      }
    };
    const afterPage = (page: Page<T>) => {
      pages++;
      if (page.total !== firstTotal && changedTotal === undefined) changedTotal = page.total;
      // Stores appended while we list extend the listing rather than being missed.
      end = Math.max(end, page.total);
      update(false, 'listing in progress');
      onProgress?.({
        pagesDone: pages,
        pagesPlanned: Math.ceil(end / pageSize) || 1,
        received: seen.size,
        total: end,
      });
    };

    const inFlight: Promise<Page<T>>[] = [];
    let nextOffset = pageSize;
    const launch = () => {
      const limit = typeof concurrency === 'number' ? concurrency : Math.max(1, Math.floor(concurrency()));
      while (inFlight.length < limit && nextOffset < end) {
        const pending = this.#fetchPage(nextOffset, pageSize);
        // Pages still in flight when an earlier one fails are abandoned; keep their rejections handled.
        pending.catch(() => {});
        inFlight.push(pending);
        nextOffset += pageSize;
      }
    };

    try {
      const first = await this.#fetchPage(0, pageSize);
      firstTotal = first.total;
      end = first.total;
      afterPage(first);
      yield* distinct(first.items);
      launch();
      for (let pending = inFlight.shift(); pending; pending = inFlight.shift()) {
        const page = await pending;
        afterPage(page);
        yield* distinct(page.items);
        launch();
      }
    } catch (error) {
      update(false, `listing failed: ${(error as Error).message}`);
      throw error;
    }
    if (changedTotal !== undefined) {
      update(false, `total changed from ${firstTotal} to ${changedTotal} during the listing`);
    } else if (seen.size !== firstTotal) {
      update(false, `received ${seen.size} distinct items but total says ${firstTotal}`);
    } else {
      update(true, undefined);
    }
  }
}
