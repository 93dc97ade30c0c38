/**
 * The DSPM REST API v2 client: one method per route of Netskope's integration guide. Lists come
 * back as `Listing`s (async iterables that hide paging); writes as parsed objects. Transport
 * concerns (pacing, retries, auth, errors) live in `DspmTransport`.
 */
import type * as z from 'zod/mini';
import { DspmConnectionError, DspmError, DspmInvalidResponseError, DspmServerError } from './errors.ts';
import { eq, type Filter, renderFilter } from './filter.ts';
import { Listing, type ListingProgress, type ListingResume, type SeenIds } from './listing.ts';
import { parseResponse } from './parse.ts';
import {
  bareNumberSchema,
  type ConnectedDataStore,
  type ConnectedDataStoreTagsUpdate,
  connectedDataStoreSchema,
  type DataTag,
  type DataTagCategory,
  type DiscoveredDataStore,
  dataTagCategorySchema,
  dataTagSchema,
  discoveredDataStoreSchema,
  type InfrastructureConnection,
  infrastructureConnectionSchema,
  listPageSchema,
  type NewDataTag,
  type NewDataTagCategory,
  type Platform,
  platformSchema,
  type Service,
  serviceSchema,
} from './schemas.ts';
import type { DspmRequest, DspmResponse, DspmTransport } from './transport.ts';

/** Options of one listing call. */
export interface ListOptions {
  /** Server-side filter (see `filter.ts`). */
  readonly filter?: Filter | undefined;
  /** Items per page; the client's default otherwise. */
  readonly pageSize?: number | undefined;
  /** Called after each page (progress bars). */
  readonly onProgress?: ((progress: ListingProgress) => void) | undefined;
  /** Continue a pass an earlier leg began (see `ListingOptions`). */
  readonly resume?: ListingResume | undefined;
  /** Ids the pass yielded so far; extended as the listing yields. */
  readonly seen?: SeenIds | undefined;
}

/** Client-wide settings. */
export interface DspmClientSettings {
  /** Default items per page (`DSPM_PAGE_SIZE`). */
  readonly pageSize: number;
  /**
   * Most pages in flight at once during a listing; below it, the number in flight follows the
   * pacing and the latency (enough to keep the rate limit, not the latency, the bound).
   */
  readonly concurrency: number;
}

/** Default settings: 100 items a page, up to 16 pages in flight. */
export const DEFAULT_CLIENT_SETTINGS = {
  pageSize: 100,
  concurrency: 16,
} as const satisfies DspmClientSettings;

/** A DSPM tenant, over its REST API v2. */
export class DspmClient {
  readonly #transport: DspmTransport;
  readonly #settings: DspmClientSettings;

  constructor(transport: DspmTransport, settings: Partial<DspmClientSettings> = {}) {
    this.#transport = transport;
    this.#settings = { ...DEFAULT_CLIENT_SETTINGS, ...settings };
  }

  /** See `DspmTransport.setDeadline`: calls that would wait past `epochMs` fail instead. */
  setDeadline(epochMs: number | undefined): void {
    this.#transport.setDeadline(epochMs);
  }

  /** Request counters (requests, retries, throttles, token refreshes, failures). */
  get stats(): Readonly<DspmTransport['stats']> {
    return this.#transport.stats;
  }

  /** `GET infrastructure_connections/platforms`. */
  platforms(options?: ListOptions): Listing<Platform> {
    return this.#list('infrastructure_connections/platforms', platformSchema, 'results', options);
  }

  /** `GET infrastructure_connections`. */
  infrastructureConnections(options?: ListOptions): Listing<InfrastructureConnection> {
    return this.#list('infrastructure_connections', infrastructureConnectionSchema, 'results', options);
  }

  /** `GET data_stores/services`. */
  services(options?: ListOptions): Listing<Service> {
    return this.#list('data_stores/services', serviceSchema, 'results', options);
  }

  /** `GET data_stores/connected`. */
  connectedDataStores(options?: ListOptions): Listing<ConnectedDataStore> {
    return this.#list('data_stores/connected', connectedDataStoreSchema, 'results', options);
  }

  /** `GET data_stores/discovered`. */
  discoveredDataStores(options?: ListOptions): Listing<DiscoveredDataStore> {
    return this.#list('data_stores/discovered', discoveredDataStoreSchema, 'results', options);
  }

  /** `GET data_tags` (its list key is `data_tags`, not `results`). */
  dataTags(options?: ListOptions): Listing<DataTag> {
    return this.#list('data_tags', dataTagSchema, 'data_tags', options);
  }

  /** The catalog tag with exactly this name, if any. */
  async findDataTagByName(name: string): Promise<DataTag | undefined> {
    // Filtered server-side, compared again here: a server that ignored the filter must not fool us.
    for await (const tag of this.dataTags({ filter: eq('name', name) })) {
      if (tag.name === name) return tag;
    }
    return undefined;
  }

  /**
   * `POST data_tag_categories`. Not retried after an ambiguous failure: the guide has no route to
   * look a category up, so a second POST could create a twin.
   */
  async createDataTagCategory(category: NewDataTagCategory): Promise<DataTagCategory> {
    const response = await this.#transport.send({
      method: 'POST',
      route: 'data_tag_categories',
      body: category,
    });
    return parseResponse(dataTagCategorySchema, response, 'POST');
  }

  /**
   * `POST data_tags`. When the outcome is unknown (connection lost, 5xx, cut-short body) the tag
   * may exist: it is looked up by name before the one further try, never re-posted blindly.
   */
  async createDataTag(tag: NewDataTag): Promise<DataTag> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.#transport.send({ method: 'POST', route: 'data_tags', body: tag });
        return parseResponse(dataTagSchema, response, 'POST');
      } catch (error) {
        if (!isAmbiguousWriteFailure(error) || attempt === 2) throw error;
        const existing = await this.findDataTagByName(tag.name);
        if (existing) return existing;
      }
    }
  }

  /** `PUT data_tags`: replaces a catalog tag's fields. */
  async updateDataTag(tag: DataTag): Promise<DataTag> {
    const response = await this.#transport.send({ method: 'PUT', route: 'data_tags', body: tag });
    return parseResponse(dataTagSchema, response, 'PUT');
  }

  /**
   * `DELETE data_tags/{id}`. Deleting a catalog tag removes it from every store; the bridge itself
   * never calls this, it is here for completeness and operators' tooling.
   */
  async deleteDataTag(id: number): Promise<number> {
    const response = await this.#transport.send({ method: 'DELETE', route: `data_tags/${positiveId(id)}` });
    return parseResponse(bareNumberSchema, response, 'DELETE');
  }

  /**
   * `PUT connected_data_stores`: sets a store's WHOLE tag list. To add one tag, read the store,
   * merge, and write the merged list.
   */
  async updateConnectedDataStoreTags(update: ConnectedDataStoreTagsUpdate): Promise<number> {
    const body: ConnectedDataStoreTagsUpdate = {
      id: positiveId(update.id),
      name: update.name,
      endpoint: update.endpoint,
      service_id: update.service_id,
      data_tags: [...new Set(update.data_tags)],
    };
    const response = await this.#transport.send({ method: 'PUT', route: 'connected_data_stores', body });
    return parseResponse(bareNumberSchema, response, 'PUT');
  }

  /**
   * One call as it is, for diagnostics (`dspm-bridge doctor`): the response, or the error it
   * failed with. Goes through the same transport (auth, pacing, retries as configured).
   */
  async probe(call: DspmRequest): Promise<{ response?: DspmResponse; error?: DspmError }> {
    try {
      return { response: await this.#transport.send(call) };
    } catch (error) {
      if (error instanceof DspmError) return { error };
      throw error;
    }
  }

  #list<T extends z.ZodMiniType<{ id: number }>>(
    route: string,
    item: T,
    key: 'results' | 'data_tags',
    options: ListOptions = {},
  ): Listing<z.infer<T>> {
    const pageSchema = listPageSchema(item, key);
    const filter = options.filter;
    return new Listing<z.infer<T>>(
      async (offset, limit) => {
        const response = await this.#transport.send({
          method: 'GET',
          route,
          // The transport percent-encodes the whole filter value, so the `&&` between clauses survives.
          query: { offset, limit, filter: filter ? renderFilter(filter) : undefined },
        });
        const page = parseResponse(pageSchema, response, 'GET') as { total: number } & Record<
          string,
          z.infer<T>[]
        >;
        return { total: page.total, items: page[key] ?? [] };
      },
      {
        pageSize: options.pageSize ?? this.#settings.pageSize,
        concurrency: () => this.#transport.suggestedConcurrency(this.#settings.concurrency),
        onProgress: options.onProgress,
        resume: options.resume,
        seen: options.seen,
      },
    );
  }
}

function isAmbiguousWriteFailure(error: unknown): boolean {
  return (
    error instanceof DspmConnectionError ||
    (error instanceof DspmServerError && (error.status ?? 0) >= 500) ||
    (error instanceof DspmInvalidResponseError && error.malformed)
  );
}

function positiveId(id: number): number {
  if (!Number.isInteger(id) || id < 0) {
    throw new RangeError(`id must be a non-negative integer, got ${id}`);
  }
  return id;
}
