import { describe, expect, it } from 'vitest';
import { Listing, type Page } from '#shared/dspm/listing.ts';

type Item = { id: number };
const items = (from: number, to: number): Item[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => ({ id: from + i }));

/** A collection served by offset, with a hook to change it between pages. */
function collection(size: number) {
  let data = items(1, size + 1);
  const calls: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    mutate(change: (current: Item[]) => Item[]) {
      data = change(data);
    },
    fetch: async (offset: number, limit: number): Promise<Page<Item>> => {
      calls.push(offset);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { total: data.length, items: data.slice(offset, offset + limit) };
    },
  };
}

describe('Listing', () => {
  it('yields every item once, in order, and reports a complete listing', async () => {
    const source = collection(1_050);
    const listing = new Listing(source.fetch, { pageSize: 100, concurrency: 4 });
    const ids = (await listing.toArray(10_000)).map((i) => i.id);
    expect(ids).toEqual(items(1, 1_051).map((i) => i.id));
    expect(listing.report()).toEqual({
      complete: true,
      reason: undefined,
      total: 1_050,
      received: 1_050,
      duplicates: 0,
      pages: 11,
    });
  });

  it('keeps at most the configured number of pages in flight', async () => {
    const source = collection(2_000);
    await new Listing(source.fetch, { pageSize: 100, concurrency: 3 }).toArray(10_000);
    expect(source.maxInFlight).toBe(3);
    expect(source.calls).toHaveLength(20);
  });

  it('handles an empty collection in one request', async () => {
    const source = collection(0);
    const listing = new Listing(source.fetch, { pageSize: 100, concurrency: 4 });
    expect(await listing.toArray(10)).toEqual([]);
    expect(listing.report().complete).toBe(true);
    expect(source.calls).toEqual([0]);
  });

  it('drops duplicates and reports an incomplete listing when a store is added mid-listing', async () => {
    // Arrange: after the first page, a store is inserted at the front, shifting every offset.
    const source = collection(250);
    let mutated = false;
    const fetch = async (offset: number, limit: number) => {
      const page = await source.fetch(offset, limit);
      if (!mutated) {
        mutated = true;
        source.mutate((data) => [{ id: 0 }, ...data]);
      }
      return page;
    };
    // Act
    const listing = new Listing(fetch, { pageSize: 100, concurrency: 1 });
    const received = await listing.toArray(1_000);
    // Assert
    expect(new Set(received.map((i) => i.id)).size).toBe(received.length);
    expect(listing.report()).toMatchObject({
      complete: false,
      duplicates: 1,
      reason: 'total changed from 250 to 251 during the listing',
    });
  });

  it('reports an incomplete listing when a store is removed mid-listing, though the counts happen to add up', async () => {
    const source = collection(250);
    let mutated = false;
    const fetch = async (offset: number, limit: number) => {
      const page = await source.fetch(offset, limit);
      if (!mutated) {
        mutated = true;
        source.mutate((data) => data.filter((i) => i.id !== 50));
      }
      return page;
    };
    const listing = new Listing(fetch, { pageSize: 100, concurrency: 1 });
    await listing.toArray(1_000);
    expect(listing.report()).toMatchObject({
      complete: false,
      reason: 'total changed from 250 to 249 during the listing',
    });
  });

  it('reports an incomplete listing when pages do not add up to total', async () => {
    const fetch = async (offset: number): Promise<Page<Item>> => ({
      total: 300,
      items: offset === 100 ? [] : items(offset + 1, offset + 101),
    });
    const listing = new Listing(fetch, { pageSize: 100, concurrency: 2 });
    expect(await listing.toArray(1_000)).toHaveLength(200);
    expect(listing.report()).toMatchObject({
      complete: false,
      reason: 'received 200 distinct items but total says 300',
    });
  });

  it('throws the page error and leaves the report incomplete', async () => {
    const fetch = async (offset: number): Promise<Page<Item>> => {
      if (offset === 200) throw new Error('boom on page 3');
      return { total: 500, items: items(offset + 1, offset + 101) };
    };
    const listing = new Listing(fetch, { pageSize: 100, concurrency: 4 });
    await expect(listing.toArray(1_000)).rejects.toThrow('boom on page 3');
    expect(listing.report()).toMatchObject({
      complete: false,
      reason: 'listing failed: boom on page 3',
      received: 200,
    });
  });

  it('requires an explicit cap to collect everything', async () => {
    const listing = new Listing(collection(150).fetch, { pageSize: 100, concurrency: 2 });
    await expect(listing.toArray(100)).rejects.toThrow('listing holds more than 100 items');
  });

  it('can be iterated only once', async () => {
    const listing = new Listing(collection(5).fetch, { pageSize: 100, concurrency: 2 });
    await listing.toArray(10);
    expect(() => listing[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('reports progress after every page', async () => {
    const progress: number[] = [];
    const listing = new Listing(collection(350).fetch, {
      pageSize: 100,
      concurrency: 2,
      onProgress: (p) => progress.push(p.pagesDone * 1000 + p.pagesPlanned),
    });
    await listing.toArray(1_000);
    expect(progress).toEqual([1004, 2004, 3004, 4004]);
  });

  it("yields page by page with each page's offset and where the next one starts", async () => {
    const source = collection(250);
    const pages = [];
    for await (const page of new Listing(source.fetch, { pageSize: 100, concurrency: 2 }).pages())
      pages.push({
        offset: page.offset,
        ids: page.items.length,
        nextOffset: page.nextOffset,
        more: page.more,
      });
    expect(pages).toEqual([
      { offset: 0, ids: 100, nextOffset: 100, more: true },
      { offset: 100, ids: 100, nextOffset: 200, more: true },
      { offset: 200, ids: 50, nextOffset: 300, more: false },
    ]);
  });

  it("resumes a pass at an offset: the earlier legs' ids count, and the pass adds up as one", async () => {
    const source = collection(300);
    const seen = new Set<number>();
    const first = new Listing(source.fetch, { pageSize: 100, concurrency: 1, seen });
    for await (const page of first.pages()) if (page.nextOffset === 100) break;
    expect(seen.size).toBe(100);
    const rest = new Listing(source.fetch, {
      pageSize: 100,
      concurrency: 1,
      seen,
      resume: { offset: 100, total: 300 },
    });
    const ids = (await rest.toArray(1_000)).map((item) => item.id);
    expect(ids[0]).toBe(101);
    expect(ids).toHaveLength(200);
    expect(source.calls).toEqual([0, 100, 100, 200]);
    expect(rest.report()).toMatchObject({
      complete: true,
      total: 300,
      received: 300,
      pages: 2,
      totalChangedTo: undefined,
    });
  });

  it('is not complete when the total moved since the pass began, and drops ids an earlier leg yielded', async () => {
    const source = collection(300);
    const seen = new Set(items(1, 101).map((item) => item.id));
    // Between the legs a store of the first page went away: every later offset moved down by one.
    source.mutate((current) => current.filter((item) => item.id !== 7));
    const rest = new Listing(source.fetch, {
      pageSize: 100,
      concurrency: 1,
      seen,
      resume: { offset: 100, total: 300 },
    });
    const ids = (await rest.toArray(1_000)).map((item) => item.id);
    expect(ids[0]).toBe(102);
    expect(rest.report()).toMatchObject({
      complete: false,
      totalChangedTo: 299,
      reason: 'total changed from 300 to 299 during the listing',
    });
    // Store 101 slid into the first leg's range: this leg never saw it.
    expect(ids).not.toContain(101);
  });
});
