/**
 * DSPM's reference data (platforms, connections, services, data tags), read once per poll and
 * used to give every event a store described by name, not only by id.
 */
import type {
  ConnectedDataStore,
  DataTag,
  InfrastructureConnection,
  Platform,
  Service,
} from '../dspm/schemas.ts';
import type { DataStoreRef } from '../events/contract.ts';
import type { StoreIdentity } from '../state/records.ts';

/** Lookup tables by id. */
export interface Catalog {
  readonly platforms: ReadonlyMap<number, Platform>;
  readonly connections: ReadonlyMap<number, InfrastructureConnection>;
  readonly services: ReadonlyMap<number, Service>;
  readonly tags: ReadonlyMap<number, DataTag>;
}

/** Builds the lookup tables. */
export function buildCatalog(lists: {
  platforms: readonly Platform[];
  connections: readonly InfrastructureConnection[];
  services: readonly Service[];
  tags: readonly DataTag[];
}): Catalog {
  const byId = <T extends { id: number }>(items: readonly T[]) =>
    new Map(items.map((item) => [item.id, item]));
  return {
    platforms: byId(lists.platforms),
    connections: byId(lists.connections),
    services: byId(lists.services),
    tags: byId(lists.tags),
  };
}

/** The identity the state keeps for a store. */
export function identityOf(store: ConnectedDataStore): StoreIdentity {
  return {
    name: store.name,
    endpoint: store.endpoint,
    serviceId: store.service_id,
    connectionId: store.infrastructure_connection_id ?? null,
    region: store.region ?? null,
    accountId: store.account_id ?? null,
  };
}

/** True when `store` still has the committed identity (compared without building one). */
export function storeMatchesIdentity(store: ConnectedDataStore, identity: StoreIdentity): boolean {
  return (
    store.name === identity.name &&
    store.endpoint === identity.endpoint &&
    store.service_id === identity.serviceId &&
    (store.infrastructure_connection_id ?? null) === identity.connectionId &&
    (store.region ?? null) === identity.region &&
    (store.account_id ?? null) === identity.accountId
  );
}

/** True when two identities are the same. */
export function sameIdentity(a: StoreIdentity, b: StoreIdentity): boolean {
  return (
    a.name === b.name &&
    a.endpoint === b.endpoint &&
    a.serviceId === b.serviceId &&
    a.connectionId === b.connectionId &&
    a.region === b.region &&
    a.accountId === b.accountId
  );
}

/** The `dataStore` object of an event: the store with its service, connection, platform and tags by name. */
export function describeStore(
  storeId: number,
  identity: StoreIdentity,
  tagIds: readonly number[],
  catalog: Catalog,
): DataStoreRef {
  const service = catalog.services.get(identity.serviceId);
  const connection =
    identity.connectionId === null ? undefined : catalog.connections.get(identity.connectionId);
  const platformId = connection?.platform_id;
  const platform =
    platformId === undefined || platformId === null ? undefined : catalog.platforms.get(platformId);
  return {
    id: storeId,
    name: identity.name,
    endpoint: identity.endpoint,
    region: identity.region,
    accountId: identity.accountId,
    service: {
      id: identity.serviceId,
      name: service?.name ?? null,
      displayName: service?.display_name ?? null,
    },
    infrastructureConnection: {
      id: identity.connectionId,
      name: connection?.name ?? null,
      platform: platform?.name ?? null,
    },
    dataTags: tagIds.map((id) => {
      const tag = catalog.tags.get(id);
      return { id, name: tag?.name ?? null, categoryId: tag?.category_id ?? null };
    }),
  };
}
