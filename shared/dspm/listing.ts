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
    const { pageSize, concurrency, resume } = this.#options;
    const tally = new PassTally<T>(this.#options.seen ?? new Set<number>(), resume);
    const inFlight: { offset: number; page: Promise<Page<T>> }[] = [];
    const startOffset = resume?.offset ?? 0;
    let nextOffset = startOffset + pageSize;
    const launch = () => {
      const limit = typeof concurrency === 'number' ? concurrency : Math.max(1, Math.floor(concurrency()));
      while (inFlight.length < limit && nextOffset < tally.end) {
        const page = this.#fetchPage(nextOffset, pageSize);
        // Pages still in flight when an earlier one fails are abandoned; keep their rejections handled.
        page.catch(() => {});
        inFlight.push({ offset: nextOffset, page });
        nextOffset += pageSize;
      }
    };
    const listed = (offset: number, page: Page<T>): ListedPage<T> => ({
      offset,
      items: tally.distinct(page.items),
      nextOffset: offset + pageSize,
      more: offset + pageSize < tally.end,
    });

    try {
      const first = await this.#fetchPage(startOffset, pageSize);
      tally.firstTotal ??= first.total;
      this.#afterPage(tally, first);
      launch();
      yield listed(startOffset, first);
      for (let pending = inFlight.shift(); pending; pending = inFlight.shift()) {
        const page = await pending.page;
        this.#afterPage(tally, page);
        launch();
        yield listed(pending.offset, page);
      }
    } catch (error) {
      this.#report = tally.report(false, `listing failed: ${(error as Error).message}`);
      throw error;
    }
    this.#report = tally.finalReport();
  }

  /** Counts a page that arrived and tells the progress listener. */
  #afterPage(tally: PassTally<T>, page: Page<T>): void {
    tally.count(page);
    this.#report = tally.report(false, 'listing in progress');
    this.#options.onProgress?.({
      pagesDone: tally.pages,
      pagesPlanned: Math.ceil(tally.end / this.#options.pageSize) || 1,
      received: tally.seen.size,
      total: tally.end,
    });
  }
}

/** What a pass received so far: its distinct ids, the duplicates dropped, the pages and totals. */
class PassTally<T extends { readonly id: number }> {
  readonly seen: SeenIds;
  duplicates = 0;
  pages = 0;
  /** `total` of the pass's first page. */
  firstTotal: number | undefined;
  /** The first later `total` that differed from `firstTotal`. */
  changedTotal: number | undefined;
  /** Where the listing ends, as far as the largest `total` seen says. */
  end: number;

  constructor(seen: SeenIds, resume: ListingResume | undefined) {
    this.seen = seen;
    this.firstTotal = resume?.total;
    this.end = resume?.total ?? 0;
  }

  /** The items not yielded before in the pass, now marked yielded; the others counted as duplicates. */
  distinct(items: readonly T[]): T[] {
    const fresh: T[] = [];
    for (const item of items) {
      if (this.seen.has(item.id)) {
        this.duplicates++;
        continue;
      }
      this.seen.add(item.id);
      fresh.push(item);
    }
    return fresh;
  }

  /** Counts a page and its `total`. */
  count(page: Page<T>): void {
    this.pages++;
    if (page.total !== this.firstTotal && this.changedTotal === undefined) this.changedTotal = page.total;
    // Stores appended while we list extend the listing rather than being missed.
    this.end = Math.max(this.end, page.total);
  }

  report(complete: boolean, reason: string | undefined): ListingReport {
    return {
      complete,
      reason,
      total: this.firstTotal,
      received: this.seen.size,
      duplicates: this.duplicates,
      pages: this.pages,
      totalChangedTo: this.changedTotal,
    };
  }

  /** The report once every page arrived: complete only when the totals held and the ids add up. */
  finalReport(): ListingReport {
    if (this.changedTotal !== undefined) {
      return this.report(
        false,
        `total changed from ${this.firstTotal} to ${this.changedTotal} during the listing`,
      );
    }
    if (this.seen.size !== this.firstTotal) {
      return this.report(
        false,
        `received ${this.seen.size} distinct items but total says ${this.firstTotal}`,
      );
    }
    return this.report(true, undefined);
  }
}
