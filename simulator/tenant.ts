/**
 * The in-memory DSPM tenant: the data the simulator serves and the operations its write routes
 * and the control API perform. Every list stays ordered by id ascending, so a listing can slice
 * instead of sorting, and stores are found by id through an index.
 */
import { describeType, isValueOfType, STORE_FIELDS } from './fields.ts';
import type {
  ConnectedDataStore,
  DataTag,
  DataTagCategory,
  DiscoveredDataStore,
  InfrastructureConnection,
  Platform,
  Service,
  TenantData,
} from './model.ts';
import { generateTenant } from './scale.ts';
import { guideTenant } from './seed.ts';

/** What went wrong in a tenant operation; the HTTP layer maps it to 404, 409 and 400. */
export type TenantErrorKind = 'not-found' | 'conflict' | 'invalid';

/** A tenant operation refused; `kind` says why, the message names what. */
export class TenantError extends Error {
  readonly kind: TenantErrorKind;

  constructor(kind: TenantErrorKind, message: string) {
    super(message);
    this.name = 'TenantError';
    this.kind = kind;
  }
}

/** How to build the initial tenant (and what {@link Tenant.reset} goes back to). */
export interface TenantOptions {
  /** Build this many stores with the scale generator; omitted = the guide's example tenant. */
  stores?: number;
  seed?: number;
}

/** Fields of a store a test may change; the id is fixed. */
export type StorePatch = Partial<Omit<ConnectedDataStore, 'id'>>;

/** Body of `POST data_tag_categories`. `is_system_created` is always false for created ones. */
export interface NewCategory {
  name: string;
  description?: string;
  is_enabled?: boolean;
}

/** Body of `POST data_tags`. */
export interface NewTag {
  name: string;
  category_id: number;
  description?: string;
  color?: string;
  is_enabled?: boolean;
}

/** Body of `PUT data_tags`; omitted optional fields keep their current value. */
export interface TagUpdate extends NewTag {
  id: number;
}

/** Body of `PUT connected_data_stores`: `data_tags` replaces the store's whole tag list. */
export interface StoreTagsUpdate {
  id: number;
  name: string;
  endpoint: string;
  service_id: number;
  data_tags: number[];
}

/** How many of each resource the tenant holds. */
export interface TenantCounts {
  platforms: number;
  infrastructureConnections: number;
  services: number;
  dataTagCategories: number;
  dataTags: number;
  connectedDataStores: number;
  discoveredDataStores: number;
}

/** Live, read-only lists for serialization without copying. Never mutate them. */
export interface TenantView {
  readonly platforms: readonly Readonly<Platform>[];
  readonly connections: readonly Readonly<InfrastructureConnection>[];
  readonly services: readonly Readonly<Service>[];
  readonly categories: readonly Readonly<DataTagCategory>[];
  readonly tags: readonly Readonly<DataTag>[];
  readonly stores: readonly Readonly<ConnectedDataStore>[];
  readonly discovered: readonly Readonly<DiscoveredDataStore>[];
}

/**
 * The guide's example hands a newly created tag id 11 while the seeded catalog lives at 1000004+;
 * custom tags count up from there so that ids are neither contiguous nor in creation order.
 */
const FIRST_CUSTOM_TAG_ID = 11;

function copyStore(store: Readonly<ConnectedDataStore>): ConnectedDataStore {
  return { ...store, data_owners: [...store.data_owners], data_tags: [...store.data_tags] };
}

/** Index of the item with `id` in a list sorted by id, or -(insertion point) - 1. */
function findIndex(items: readonly { id: number }[], id: number): number {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const middleId = (items[middle] as { id: number }).id;
    if (middleId === id) return middle;
    if (middleId < id) low = middle + 1;
    else high = middle - 1;
  }
  return -(low + 1);
}

function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

function requireName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TenantError('invalid', `${what} "name" must be a non-empty string`);
  }
  return value;
}

/**
 * An in-memory tenant. Getters return copies, so a caller cannot change the tenant by accident;
 * only the mutation methods do. Mutations throw {@link TenantError}.
 */
export class Tenant {
  readonly #options: TenantOptions;
  #data: TenantData = guideTenant();
  #storesById = new Map<number, ConnectedDataStore>();
  #nextStoreId = 1;
  #nextCategoryId = 1;
  #nextTagId = FIRST_CUSTOM_TAG_ID;

  constructor(options: TenantOptions = {}) {
    this.#options = { ...options };
    this.reset();
  }

  /** Goes back to the initial data (the guide's tenant, or the same generated one). */
  reset(): void {
    const { stores, seed } = this.#options;
    this.#data = stores === undefined ? guideTenant() : generateTenant({ stores, seed });
    this.#storesById = new Map(this.#data.stores.map((store) => [store.id, store]));
    this.#nextStoreId = (this.#data.stores.at(-1)?.id ?? 0) + 1;
    this.#nextCategoryId = Math.max(0, ...this.#data.categories.map((category) => category.id)) + 1;
    this.#nextTagId = FIRST_CUSTOM_TAG_ID;
  }

  /** Live lists for the HTTP layer to serialize; see {@link TenantView}. */
  view(): TenantView {
    return this.#data;
  }

  /** How many of each resource there are now. */
  counts(): TenantCounts {
    const data = this.#data;
    return {
      platforms: data.platforms.length,
      infrastructureConnections: data.connections.length,
      services: data.services.length,
      dataTagCategories: data.categories.length,
      dataTags: data.tags.length,
      connectedDataStores: data.stores.length,
      discoveredDataStores: data.discovered.length,
    };
  }

  /** Copies of the platforms. */
  listPlatforms(): Platform[] {
    return structuredClone(this.#data.platforms);
  }

  /** Copies of the infrastructure connections. */
  listConnections(): InfrastructureConnection[] {
    return structuredClone(this.#data.connections);
  }

  /** Copies of the services. */
  listServices(): Service[] {
    return structuredClone(this.#data.services);
  }

  /** Copies of the discovered (not connected) data stores. */
  listDiscovered(): DiscoveredDataStore[] {
    return structuredClone(this.#data.discovered);
  }

  /** Copies of the data tag categories. */
  listCategories(): DataTagCategory[] {
    return structuredClone(this.#data.categories);
  }

  /** A copy of one category, or undefined. */
  getCategory(id: number): DataTagCategory | undefined {
    const category = this.#data.categories.find((item) => item.id === id);
    return category && { ...category };
  }

  /** Copies of the tag catalog, ordered by id. */
  listTags(): DataTag[] {
    return structuredClone(this.#data.tags);
  }

  /** A copy of one tag, or undefined. */
  getTag(id: number): DataTag | undefined {
    const tag = this.#data.tags.find((item) => item.id === id);
    return tag && { ...tag };
  }

  /** All connected stores, ordered by id. */
  listStores(): ConnectedDataStore[] {
    return this.#data.stores.map(copyStore);
  }

  /** A copy of one connected store, or undefined. */
  getStore(id: number): ConnectedDataStore | undefined {
    const store = this.#storesById.get(id);
    return store && copyStore(store);
  }

  /**
   * Adds a connected store with the next id (ids are never reused). Omitted fields get defaults:
   * the first connection and its account, service 5 (Postgres) when seeded, a generated name and
   * endpoint, `-1` for every score and count (a new store is not scanned yet), scan_status 0.
   */
  addStore(partial: StorePatch = {}): ConnectedDataStore {
    this.#validatePatch(partial);
    const id = this.#nextStoreId;
    const connection =
      this.#data.connections.find((item) => item.id === partial.infrastructure_connection_id) ??
      this.#data.connections[0];
    const serviceId = this.#data.services.some((service) => service.id === 5)
      ? 5
      : (this.#data.services[0]?.id ?? 0);
    const name = partial.name ?? `store-${id}`;
    const store: ConnectedDataStore = {
      id,
      name,
      infrastructure_connection_id: connection?.id ?? 0,
      account_id: connection?.account_id ?? '000000000000',
      endpoint: `${name}.simulated.us-west-2.rds.amazonaws.com:5432/app`,
      service_id: serviceId,
      data_owners: [],
      region: 'us-west-2',
      data_store_sensitivity_score: -1,
      data_store_risk_rating: -1,
      table_count: -1,
      field_count: -1,
      sensitive_field_count: -1,
      sensitive_record_count: -1,
      data_tags: [],
      database_count: -1,
      schema_count: -1,
      total_query_count: -1,
      total_alert_count: 0,
      misconfiguration_risk_score: -1,
      publicly_inaccessible: 'On',
      encryption: 'On',
      backup: 'Off',
      over_privileged_risk_score: -1,
      stale_user_count: -1,
      data_store_sensitive_data_access_risk_score: -1,
      users_with_access_to_sensitive_data_count: -1,
      scan_status: 0,
      ...copyPatch(partial),
    };
    this.#nextStoreId = id + 1;
    this.#data.stores.push(store);
    this.#storesById.set(id, store);
    return copyStore(store);
  }

  /** Changes some fields of a store; throws `not-found` for an unknown id, `invalid` for a bad patch. */
  updateStore(id: number, patch: StorePatch): ConnectedDataStore {
    const current = this.#requireStore(id);
    if ('id' in patch && (patch as { id?: unknown }).id !== id) {
      throw new TenantError('invalid', 'a store id cannot be changed');
    }
    this.#validatePatch(patch);
    const next: ConnectedDataStore = { ...current, ...copyPatch(patch), id };
    this.#replaceStore(next);
    return copyStore(next);
  }

  /** Removes a store and returns it; throws `not-found` for an unknown id. */
  removeStore(id: number): ConnectedDataStore {
    const store = this.#requireStore(id);
    this.#data.stores.splice(findIndex(this.#data.stores, id), 1);
    this.#storesById.delete(id);
    return copyStore(store);
  }

  /** `POST data_tag_categories`: names are unique, ignoring case. */
  createCategory(input: NewCategory): DataTagCategory {
    const name = requireName(input.name, 'category');
    if (this.#data.categories.some((category) => sameName(category.name, name))) {
      throw new TenantError('conflict', `a data tag category named "${name}" already exists`);
    }
    const category: DataTagCategory = {
      id: this.#nextCategoryId,
      name,
      description: input.description ?? '',
      // The API creates user categories only: whatever the body says, this one is not the system's.
      is_system_created: false,
      is_enabled: input.is_enabled ?? true,
    };
    this.#nextCategoryId += 1;
    this.#data.categories.push(category);
    return { ...category };
  }

  /** `POST data_tags`: the category must exist; names are unique in the catalog, ignoring case. */
  createTag(input: NewTag): DataTag {
    const name = requireName(input.name, 'data tag');
    this.#requireCategory(input.category_id);
    this.#requireUniqueTagName(name, undefined);
    while (this.#data.tags.some((tag) => tag.id === this.#nextTagId)) this.#nextTagId += 1;
    const tag: DataTag = {
      id: this.#nextTagId,
      name,
      description: input.description ?? '',
      category_id: input.category_id,
      color: input.color ?? '#d4d4d4',
      is_enabled: input.is_enabled ?? true,
    };
    this.#nextTagId += 1;
    const tags = this.#data.tags;
    tags.splice(-findIndex(tags, tag.id) - 1, 0, tag);
    return { ...tag };
  }

  /** `PUT data_tags`: unknown id is `not-found`; omitted optional fields keep their value. */
  updateTag(update: TagUpdate): DataTag {
    const index = findIndex(this.#data.tags, update.id);
    const current = this.#data.tags[index];
    if (index < 0 || current === undefined) {
      throw new TenantError('not-found', `no data tag with id ${update.id}`);
    }
    const name = requireName(update.name, 'data tag');
    this.#requireCategory(update.category_id);
    this.#requireUniqueTagName(name, update.id);
    const tag: DataTag = {
      id: update.id,
      name,
      description: update.description ?? current.description,
      category_id: update.category_id,
      color: update.color ?? current.color,
      is_enabled: update.is_enabled ?? current.is_enabled,
    };
    this.#data.tags[index] = tag;
    return { ...tag };
  }

  /**
   * `DELETE data_tags/{id}`: removes the tag from the catalog and from every store that carries
   * it, as the guide warns. Returns how many stores lost the tag.
   */
  deleteTag(id: number): number {
    const index = findIndex(this.#data.tags, id);
    if (index < 0) throw new TenantError('not-found', `no data tag with id ${id}`);
    this.#data.tags.splice(index, 1);
    let touched = 0;
    for (const store of this.#data.stores) {
      if (store.data_tags.includes(id)) {
        this.#replaceStore({ ...store, data_tags: store.data_tags.filter((tagId) => tagId !== id) });
        touched += 1;
      }
    }
    return touched;
  }

  /**
   * `PUT connected_data_stores`: replaces name, endpoint, service and the whole tag list (duplicate
   * ids collapse to one). Unknown store is `not-found`; unknown service or tag ids are `invalid`.
   */
  putConnectedDataStore(update: StoreTagsUpdate): ConnectedDataStore {
    const current = this.#requireStore(update.id);
    if (!this.#data.services.some((service) => service.id === update.service_id)) {
      throw new TenantError('invalid', `unknown service_id ${update.service_id}`);
    }
    const known = new Set(this.#data.tags.map((tag) => tag.id));
    const unknown = [...new Set(update.data_tags.filter((tagId) => !known.has(tagId)))];
    if (unknown.length > 0) {
      throw new TenantError('invalid', `unknown data tag ids: ${unknown.join(', ')}`);
    }
    const next: ConnectedDataStore = {
      ...current,
      name: update.name,
      endpoint: update.endpoint,
      service_id: update.service_id,
      data_tags: [...new Set(update.data_tags)],
    };
    this.#replaceStore(next);
    return copyStore(next);
  }

  #requireStore(id: number): ConnectedDataStore {
    const store = this.#storesById.get(id);
    if (store === undefined) throw new TenantError('not-found', `no connected data store with id ${id}`);
    return store;
  }

  #requireCategory(id: unknown): void {
    if (!this.#data.categories.some((category) => category.id === id)) {
      throw new TenantError('invalid', `unknown category_id ${String(id)}`);
    }
  }

  #requireUniqueTagName(name: string, exceptId: number | undefined): void {
    const clash = this.#data.tags.find((tag) => tag.id !== exceptId && sameName(tag.name, name));
    if (clash) {
      throw new TenantError('conflict', `a data tag named "${name}" already exists (id ${clash.id})`);
    }
  }

  /**
   * Type-checks a store patch field by field and checks that it refers to existing connections,
   * services and tags, so the control API can pass JSON straight in.
   */
  #validatePatch(patch: object): void {
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'id') continue;
      const type = STORE_FIELDS[field];
      if (type === undefined) throw new TenantError('invalid', `unknown store field "${field}"`);
      if (!isValueOfType(type, value)) {
        throw new TenantError('invalid', `store field "${field}" must be ${describeType(type)}`);
      }
    }
    const {
      infrastructure_connection_id: connectionId,
      service_id: serviceId,
      data_tags: tags,
    } = patch as StorePatch;
    if (connectionId !== undefined && !this.#data.connections.some((item) => item.id === connectionId)) {
      throw new TenantError('invalid', `unknown infrastructure_connection_id ${connectionId}`);
    }
    if (serviceId !== undefined && !this.#data.services.some((item) => item.id === serviceId)) {
      throw new TenantError('invalid', `unknown service_id ${serviceId}`);
    }
    const unknownTags = (tags ?? []).filter((tagId) => !this.#data.tags.some((tag) => tag.id === tagId));
    if (unknownTags.length > 0) {
      throw new TenantError('invalid', `unknown data tag ids: ${unknownTags.join(', ')}`);
    }
  }

  #replaceStore(store: ConnectedDataStore): void {
    this.#data.stores[findIndex(this.#data.stores, store.id)] = store;
    this.#storesById.set(store.id, store);
  }
}

function copyPatch(patch: StorePatch): StorePatch {
  const copy: StorePatch = { ...patch };
  delete (copy as { id?: unknown }).id;
  if (patch.data_owners) copy.data_owners = [...patch.data_owners];
  if (patch.data_tags) copy.data_tags = [...patch.data_tags];
  return copy;
}
