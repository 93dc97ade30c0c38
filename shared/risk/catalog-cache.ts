/**
 * DSPM's catalogs for the tagger, which describes stores in its events as the poller does but
 * runs far more often: read once and reused for a while (catalogs change rarely, the guide says).
 */

import type { Clock } from '../clock.ts';
import type { DspmClient } from '../dspm/client.ts';
import { buildCatalog, type Catalog } from './catalog.ts';

/** Caches the catalog for `ttlMs` (default 15 minutes). */
export class CatalogCache {
  readonly #dspm: DspmClient;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #cached: { catalog: Catalog; loadedAtMs: number } | undefined;

  constructor(dspm: DspmClient, clock: Clock, ttlMs = 15 * 60_000) {
    this.#dspm = dspm;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** The catalog, read again when older than the TTL or when `refresh` is set. */
  async get(refresh = false): Promise<Catalog> {
    if (!refresh && this.#cached && this.#clock.now() - this.#cached.loadedAtMs < this.#ttlMs)
      return this.#cached.catalog;
    const cap = 100_000;
    const [platforms, connections, services, tags] = await Promise.all([
      this.#dspm.platforms().toArray(cap),
      this.#dspm.infrastructureConnections().toArray(cap),
      this.#dspm.services().toArray(cap),
      this.#dspm.dataTags().toArray(cap),
    ]);
    const catalog = buildCatalog({ platforms, connections, services, tags });
    this.#cached = { catalog, loadedAtMs: this.#clock.now() };
    return catalog;
  }
}
