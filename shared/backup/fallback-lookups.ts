/**
 * DSPM lookups for backup events whose resource the poller's committed state does not know
 * (a store created since the last poll, or a resource DSPM does not scan at all). Without a
 * memory, every such event lists its account and region from DSPM page by page: a night of
 * backup jobs against a 100,000-store tenant would spend the tenant's rate limit and starve the
 * poller. So one listing of an account and region answers every event about it until the TTL
 * (a poll interval: by then the poller has committed what is new), a miss is remembered as long,
 * and a listing larger than the cap is not walked at all (the poller's state answers for those
 * accounts, at its next commit).
 */

import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import { and, eq } from '../dspm/filter.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';

/** How long a listing or a miss is trusted, and the most stores one listing may walk. */
export interface FallbackLookupSettings {
  readonly ttlMs: number;
  readonly maxStores: number;
}

/** A poll interval, and twenty pages of the default size. */
export const DEFAULT_FALLBACK_LOOKUPS = {
  ttlMs: 15 * 60_000,
  maxStores: 2_000,
} as const satisfies FallbackLookupSettings;

/** The stores of one account and region, or why they could not be listed. */
export type AccountListing =
  | { readonly kind: 'listed'; readonly stores: readonly ConnectedDataStore[] }
  | { readonly kind: 'too-large'; readonly total: number };

interface Entry<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

/** Remembered DSPM answers, per tenant runtime (a Lambda container, a CLI run). */
export class FallbackLookups {
  readonly #clock: Clock;
  readonly #settings: FallbackLookupSettings;
  readonly #accounts = new Map<string, Entry<Promise<AccountListing>>>();
  readonly #endpoints = new Map<string, Entry<Promise<number | undefined>>>();
  /** DSPM listings started (for summaries and the benchmark). */
  listings = 0;

  constructor(clock: Clock, settings: Partial<FallbackLookupSettings> = {}) {
    this.#clock = clock;
    this.#settings = { ...DEFAULT_FALLBACK_LOOKUPS, ...settings };
  }

  /**
   * The stores DSPM lists for `accountId` in `region`, listed at most once per TTL however many
   * events ask at the same moment (the pending answer is shared).
   */
  account(dspm: DspmClient, accountId: string, region: string): Promise<AccountListing> {
    return this.#remember(this.#accounts, `${accountId}/${region}`, () =>
      this.#listAccount(dspm, accountId, region),
    );
  }

  /** The id of the store DSPM lists with exactly this endpoint, remembered (a miss too) per TTL. */
  endpoint(dspm: DspmClient, endpoint: string): Promise<number | undefined> {
    return this.#remember(this.#endpoints, endpoint, async () => {
      this.listings++;
      const listed = await dspm
        .connectedDataStores({ filter: eq('endpoint', endpoint) })
        .toArray(this.#settings.maxStores);
      return listed.find((store) => store.endpoint === endpoint)?.id;
    });
  }

  async #listAccount(dspm: DspmClient, accountId: string, region: string): Promise<AccountListing> {
    this.listings++;
    const listing = dspm.connectedDataStores({
      filter: and(eq('account_id', accountId), eq('region', region)),
    });
    const stores: ConnectedDataStore[] = [];
    for await (const store of listing) {
      if (stores.length === this.#settings.maxStores) {
        return { kind: 'too-large', total: listing.report().total ?? stores.length + 1 };
      }
      stores.push(store);
    }
    return { kind: 'listed', stores };
  }

  #remember<T>(cache: Map<string, Entry<Promise<T>>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#clock.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAtMs > now) return hit.value;
    const value = load();
    cache.set(key, { value, expiresAtMs: now + this.#settings.ttlMs });
    // A failed lookup is not remembered: the event is retried and asks again.
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  }
}
