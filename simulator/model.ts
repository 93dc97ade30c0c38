/**
 * The DSPM resources as the API guide shows them on the wire. Field names are the API's own
 * (snake_case); the simulator stores and serves these objects as they are.
 */

/** A cloud platform (`GET infrastructure_connections/platforms`). */
export interface Platform {
  id: number;
  name: string;
}

/** An infrastructure connection: one cloud account or organization (`GET infrastructure_connections`). */
export interface InfrastructureConnection {
  id: number;
  name: string;
  account_id: string;
  auto_discovery_enabled: boolean;
  platform_id: number;
  /** The parent organization; `null` for a stand-alone account. */
  organization_id: string | null;
}

/** What DSPM can do for one kind of data store. */
export interface EnabledFeatures {
  classification: boolean;
  data_in_use_monitoring: boolean;
  query_analysis: boolean;
  users_and_roles: boolean;
  privilege_analysis: boolean;
}

/** A kind of data store DSPM supports (`GET data_stores/services`). */
export interface Service {
  id: number;
  name: string;
  display_name: string;
  enabled_features: EnabledFeatures;
}

/** A Data Tag Category (`POST data_tag_categories`). */
export interface DataTagCategory {
  id: number;
  name: string;
  description: string;
  is_system_created: boolean;
  is_enabled: boolean;
}

/** A Data Tag in the catalog (`GET/POST/PUT data_tags`). */
export interface DataTag {
  id: number;
  name: string;
  description: string;
  category_id: number;
  color: string;
  is_enabled: boolean;
}

/** The guide's three-valued posture flags only ever show these two values. */
export type OnOff = 'On' | 'Off';

/**
 * A connected data store (`GET data_stores/connected`). Scores and counts are `-1` when DSPM has
 * not computed them yet ("not computed", never a value).
 */
export interface ConnectedDataStore {
  id: number;
  name: string;
  infrastructure_connection_id: number;
  account_id: string;
  endpoint: string;
  service_id: number;
  data_owners: number[];
  region: string;
  data_store_sensitivity_score: number;
  data_store_risk_rating: number;
  table_count: number;
  field_count: number;
  sensitive_field_count: number;
  sensitive_record_count: number;
  data_tags: number[];
  database_count: number;
  schema_count: number;
  total_query_count: number;
  total_alert_count: number;
  misconfiguration_risk_score: number;
  publicly_inaccessible: OnOff;
  encryption: OnOff;
  backup: OnOff;
  over_privileged_risk_score: number;
  stale_user_count: number;
  data_store_sensitive_data_access_risk_score: number;
  users_with_access_to_sensitive_data_count: number;
  scan_status: number;
}

/**
 * A data store found by auto-discovery but not connected (`GET data_stores/discovered`). The guide
 * shows the route but no response: this shape is the simulator's own invention.
 */
export interface DiscoveredDataStore {
  id: number;
  name: string;
  infrastructure_connection_id: number;
  account_id: string;
  endpoint: string;
  service_id: number;
  region: string;
  discovered_at: string;
}

/** Everything a tenant holds; each list is ordered by id ascending. */
export interface TenantData {
  platforms: Platform[];
  connections: InfrastructureConnection[];
  services: Service[];
  categories: DataTagCategory[];
  tags: DataTag[];
  stores: ConnectedDataStore[];
  discovered: DiscoveredDataStore[];
}
