/**
 * Field types of every listed resource: what a filter may name and how its value is compared, and
 * what the control API accepts in a store patch.
 */

/**
 * `integer[]` fields (tag and owner id lists) match a filter value they contain; `string?` may be
 * null; `on-off` is a string limited to `On` and `Off`.
 */
export type FieldType = 'integer' | 'string' | 'string?' | 'boolean' | 'integer[]' | 'on-off';

/** Field name to type, for one resource. */
export type FieldSchema = Readonly<Record<string, FieldType>>;

/** Fields of platforms. */
export const PLATFORM_FIELDS: FieldSchema = { id: 'integer', name: 'string' };

/** Fields of infrastructure connections. */
export const CONNECTION_FIELDS: FieldSchema = {
  id: 'integer',
  name: 'string',
  account_id: 'string',
  auto_discovery_enabled: 'boolean',
  platform_id: 'integer',
  organization_id: 'string?',
};

/** Fields of services; `enabled_features` is an object, so it is not filterable. */
export const SERVICE_FIELDS: FieldSchema = { id: 'integer', name: 'string', display_name: 'string' };

/** Fields of data tags. */
export const TAG_FIELDS: FieldSchema = {
  id: 'integer',
  name: 'string',
  description: 'string',
  category_id: 'integer',
  color: 'string',
  is_enabled: 'boolean',
};

/** Fields of connected data stores (also the fields a store patch may set). */
export const STORE_FIELDS: FieldSchema = {
  id: 'integer',
  name: 'string',
  infrastructure_connection_id: 'integer',
  account_id: 'string',
  endpoint: 'string',
  service_id: 'integer',
  data_owners: 'integer[]',
  region: 'string',
  data_store_sensitivity_score: 'integer',
  data_store_risk_rating: 'integer',
  table_count: 'integer',
  field_count: 'integer',
  sensitive_field_count: 'integer',
  sensitive_record_count: 'integer',
  data_tags: 'integer[]',
  database_count: 'integer',
  schema_count: 'integer',
  total_query_count: 'integer',
  total_alert_count: 'integer',
  misconfiguration_risk_score: 'integer',
  publicly_inaccessible: 'on-off',
  encryption: 'on-off',
  backup: 'on-off',
  over_privileged_risk_score: 'integer',
  stale_user_count: 'integer',
  data_store_sensitive_data_access_risk_score: 'integer',
  users_with_access_to_sensitive_data_count: 'integer',
  scan_status: 'integer',
};

/** Fields of discovered data stores. */
export const DISCOVERED_FIELDS: FieldSchema = {
  id: 'integer',
  name: 'string',
  infrastructure_connection_id: 'integer',
  account_id: 'string',
  endpoint: 'string',
  service_id: 'integer',
  region: 'string',
  discovered_at: 'string',
};

/** Whether `value` is a valid value of a field of type `type` (used to validate writes). */
export function isValueOfType(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer[]':
      return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item));
    case 'on-off':
      return value === 'On' || value === 'Off';
  }
}

/** A short human description of a field type, for error messages. */
export function describeType(type: FieldType): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'string':
      return 'a string';
    case 'string?':
      return 'a string or null';
    case 'boolean':
      return 'a boolean';
    case 'integer[]':
      return 'an array of integers';
    case 'on-off':
      return '"On" or "Off"';
  }
}
