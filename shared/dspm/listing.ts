/**
 * Offset pagination hidden behind an `AsyncIterable` (the octokit `paginate.iterator` shape).
 *
 * The first page gives `total`; the remaining pages are then fetched concurrently (the rate
 * limiter paces them) and yielded in offset order. Offset paging shifts when stores are added or
 * removed mid-listing, so duplicate ids are dropped, and the listing is complete only when every
 * page reported the same `total` and the distinct ids received add up to it. Callers that act on
 * absence (a `data-store-removed` event) must check `report().complete`.
 *
 * A listing can also be one leg of a pass that spans several invocations: `resume` starts it at
 * a later offset with the pass's first `total` and the ids the earlier legs yielded, so the checks
 * above hold over the whole pass, and `pages()` yields page by page with the offset to resume at.
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
  /** The first page's `total` differed from a later one's (this one): the pass cannot be complete. */
  readonly totalChangedTo: number | undefined;
}

/** One page as yielded: its offset, its items not yielded before, and where the next page starts. */
export interface ListedPage<T> {
  readonly offset: number;
  readonly items: readonly T[];
  /** The offset a later leg of the pass resumes at, once this page is handled. */
  readonly nextOffset: number;
  /** Whether pages remain after this one (as far as the latest `total` says). */
  readonly more: boolean;
}

/** Where an earlier leg of the pass left off. */
export interface ListingResume {
  /** Offset of the first page to fetch. */
  readonly offset: number;
  /** `total` of the pass's first page. */
  readonly total: number;
}

/** The ids a pass has yielded (a `Set<number>` will do). */
export interface SeenIds {
  readonly size: number;
  has(id: number): boolean;
  add(id: number): unknown;
}

/** Options of a listing. */
export interface ListingOptions {
  /** Items per page (`limit`). */
  readonly pageSize: number;
  /** Most pages in flight at once, or a function asked before each launch (it follows latency). */
  readonly concurrency: number | (() => number);
  /** Called after each page. */
  readonly onProgress?: ((progress: ListingProgress) => void) | undefined;
  /** Start where an earlier leg of the pass left off (absent: at offset 0, a new pass). */
  readonly resume?: ListingResume | undefined;
  /**
   * Ids yielded so far in the pass (earlier legs'), extended as this leg yields: duplicates are
   * dropped across legs, and `received` counts the whole pass. A fresh set otherwise.
   */
  readonly seen?: SeenIds | undefined;
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
    totalChangedTo: undefined,
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
    const pages = this.pages();
    return (async function* () {
      for await (const page of pages) yield* page.items;
    })();
  }

  /**
   * The listing page by page, in offset order, each page's items not yielded before. Leaving the
   * loop ends the listing: pages in flight are dropped, no new ones are asked for.
   */
  pages(): AsyncGenerator<ListedPage<T>> {
    if (this.#started) throw new Error('a listing can be iterated only once; list again for a fresh view');
    this.#started = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<ListedPage<T>> {
    const { pageSize, concurrency, onProgress, resume } = this.#options;
    const seen = this.#options.seen ?? new Set<number>();
    let duplicates = 0;
    let pages = 0;
    let firstTotal: number | undefined = resume?.total;
    let changedTotal: number | undefined;
    let end = resume?.total ?? 0;
    const update = (complete: boolean, reason: string | undefined) => {
      this.#report = {
        complete,
        reason,
        total: firstTotal,
        received: seen.size,
        duplicates,
        pages,
        totalChangedTo: changedTotal,
      };
    };
    const distinct = (items: readonly T[]): T[] => {
      const fresh: T[] = [];
      for (const item of items) {
        if (seen.has(item.id)) {
          duplicates++;
          continue;
        }
        seen.add(item.id);
        fresh.push(item);
      }
      return fresh;
    };
    const listed = (offset: number, page: Page<T>): ListedPage<T> => ({
      offset,
      items: distinct(page.items),
      nextOffset: offset + pageSize,
      more: offset + pageSize < end,
    });
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

    const inFlight: { offset: number; page: Promise<Page<T>> }[] = [];
    const startOffset = resume?.offset ?? 0;
    let nextOffset = startOffset + pageSize;
    const launch = () => {
      const limit = typeof concurrency === 'number' ? concurrency : Math.max(1, Math.floor(concurrency()));
      while (inFlight.length < limit && nextOffset < end) {
        const page = this.#fetchPage(nextOffset, pageSize);
        // Pages still in flight when an earlier one fails are abandoned; keep their rejections handled.
        page.catch(() => {});
        inFlight.push({ offset: nextOffset, page });
        nextOffset += pageSize;
      }
    };

    try {
      const first = await this.#fetchPage(startOffset, pageSize);
      firstTotal ??= first.total;
      end = Math.max(end, first.total);
      afterPage(first);
      launch();
      yield listed(startOffset, first);
      for (let pending = inFlight.shift(); pending; pending = inFlight.shift()) {
        const page = await pending.page;
        afterPage(page);
        launch();
        yield listed(pending.offset, page);
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
