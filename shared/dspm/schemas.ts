/**
 * Response schemas of the DSPM API v2, from Netskope's integration guide. Objects are open
 * (`z.looseObject`): a field Netskope adds tomorrow passes through; a field of the wrong type is
 * rejected. Identity fields are required; the rest may be missing or null on a real tenant.
 * Values are kept as the API sends them (`-1` included): interpreting them is the risk layer's job.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';

const id = z.int();
const count = z.nullish(z.number());
const toggle = z.nullish(z.string());

/** `GET infrastructure_connections/platforms` item. */
export const platformSchema = z.looseObject({ id, name: z.string() });

/** `GET infrastructure_connections` item. */
export const infrastructureConnectionSchema = z.looseObject({
  id,
  name: z.string(),
  account_id: z.nullish(z.string()),
  auto_discovery_enabled: z.nullish(z.boolean()),
  platform_id: z.nullish(id),
  organization_id: z.nullish(z.string()),
});

/** `GET data_stores/services` item. */
export const serviceSchema = z.looseObject({
  id,
  name: z.string(),
  display_name: z.nullish(z.string()),
  enabled_features: z.nullish(z.record(z.string(), z.boolean())),
});

/** `GET data_tags` item (and the body of tag writes). */
export const dataTagSchema = z.looseObject({
  id,
  name: z.string(),
  description: z.nullish(z.string()),
  category_id: z.nullish(id),
  color: z.nullish(z.string()),
  is_enabled: z.nullish(z.boolean()),
});

/** `POST data_tag_categories` response. */
export const dataTagCategorySchema = z.looseObject({
  id,
  name: z.string(),
  description: z.nullish(z.string()),
  is_system_created: z.nullish(z.boolean()),
  is_enabled: z.nullish(z.boolean()),
});

/** `GET data_stores/connected` item. */
export const connectedDataStoreSchema = z.looseObject({
  id,
  name: z.string(),
  endpoint: z.string(),
  service_id: id,
  infrastructure_connection_id: z.nullish(id),
  account_id: z.nullish(z.string()),
  region: z.nullish(z.string()),
  data_owners: z.nullish(z.array(id)),
  data_tags: z.nullish(z.array(id)),
  data_store_sensitivity_score: count,
  data_store_risk_rating: count,
  data_store_sensitive_data_access_risk_score: count,
  misconfiguration_risk_score: count,
  over_privileged_risk_score: count,
  table_count: count,
  field_count: count,
  sensitive_field_count: count,
  sensitive_record_count: count,
  database_count: count,
  schema_count: count,
  total_query_count: count,
  total_alert_count: count,
  stale_user_count: count,
  users_with_access_to_sensitive_data_count: count,
  publicly_inaccessible: toggle,
  encryption: toggle,
  backup: toggle,
  scan_status: z.nullish(z.number()),
});

/**
 * `GET data_stores/discovered` item. The guide shows the route but no response; we require only
 * what identifies a store.
 */
export const discoveredDataStoreSchema = z.looseObject({
  id,
  name: z.nullish(z.string()),
  endpoint: z.nullish(z.string()),
  service_id: z.nullish(id),
  infrastructure_connection_id: z.nullish(id),
});

/** A list page: `{"total": N, "<key>": [...]}` (`results` everywhere but `data_tags`). */
export function listPageSchema<T extends z.ZodMiniType, K extends 'results' | 'data_tags'>(item: T, key: K) {
  const shape = { total: z.int().check(z.minimum(0)), [key]: z.array(item) } as {
    total: z.ZodMiniInt;
  } & Record<K, z.ZodMiniArray<T>>;
  return z.looseObject(shape);
}

/** Writes that answer with a bare number (`DELETE data_tags/{id}`, `PUT connected_data_stores`). */
export const bareNumberSchema = z.number();

export type Platform = z.infer<typeof platformSchema>;
export type InfrastructureConnection = z.infer<typeof infrastructureConnectionSchema>;
export type Service = z.infer<typeof serviceSchema>;
export type DataTag = z.infer<typeof dataTagSchema>;
export type DataTagCategory = z.infer<typeof dataTagCategorySchema>;
export type ConnectedDataStore = z.infer<typeof connectedDataStoreSchema>;
export type DiscoveredDataStore = z.infer<typeof discoveredDataStoreSchema>;

/** Body of `POST data_tag_categories`. */
export interface NewDataTagCategory {
  name: string;
  description?: string;
  is_system_created?: boolean;
  is_enabled?: boolean;
}

/** Body of `POST data_tags`. */
export interface NewDataTag {
  name: string;
  description?: string;
  category_id: number;
  color?: string;
  is_enabled?: boolean;
}

/** Body of `PUT connected_data_stores`: the store's identity and its whole tag list (it replaces the list). */
export interface ConnectedDataStoreTagsUpdate {
  id: number;
  name: string;
  endpoint: string;
  service_id: number;
  data_tags: number[];
}
