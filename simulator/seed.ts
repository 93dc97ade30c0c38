/**
 * The guide's example tenant, copied field by field from the DSPM API integration guide. Where the
 * guide shows only part of a list (services, categories, discovered stores) the rest is invented
 * and says so.
 */
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

const PLATFORMS: readonly Platform[] = [
  { id: 0, name: 'AWS' },
  { id: 1, name: 'GCP' },
  { id: 2, name: 'Azure' },
  { id: 3, name: 'Heroku' },
  { id: 4, name: 'Other' },
  { id: 5, name: 'Snowflake' },
];

const CONNECTIONS: readonly InfrastructureConnection[] = [
  {
    id: 1,
    name: 'aws-demo',
    account_id: '123456789012',
    auto_discovery_enabled: true,
    platform_id: 0,
    organization_id: '567890567890',
  },
  {
    id: 2,
    name: 'aws-production',
    account_id: '234567890123',
    auto_discovery_enabled: true,
    platform_id: 0,
    organization_id: '567890567890',
  },
];

function features(
  classification: boolean,
  dataInUse: boolean,
  queryAnalysis: boolean,
  usersAndRoles: boolean,
  privilegeAnalysis: boolean,
): Service['enabled_features'] {
  return {
    classification,
    data_in_use_monitoring: dataInUse,
    query_analysis: queryAnalysis,
    users_and_roles: usersAndRoles,
    privilege_analysis: privilegeAnalysis,
  };
}

/**
 * Ids 5 and 6 are the guide's, verbatim. The guide says there are 23 services but shows two; the
 * others are the ones the example stores (4 = MySQL) and the bridge (RDS, Aurora, Redshift,
 * DynamoDB, S3 for AWS Backup matching) need, plus one per other platform for the scale generator.
 */
const SERVICES: readonly Service[] = [
  { id: 1, name: 's3', display_name: 'S3', enabled_features: features(true, true, false, false, true) },
  {
    id: 2,
    name: 'dynamodb',
    display_name: 'DynamoDB',
    enabled_features: features(true, false, false, false, true),
  },
  {
    id: 3,
    name: 'redshift',
    display_name: 'Redshift',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 4,
    name: 'rdsmysql',
    display_name: 'MySQL',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 5,
    name: 'rdspostgres',
    display_name: 'Postgres',
    enabled_features: features(true, false, false, true, false),
  },
  {
    id: 6,
    name: 'microsoftsqlserver',
    display_name: 'SQL Server',
    enabled_features: features(true, false, false, true, true),
  },
  {
    id: 7,
    name: 'aurorapostgres',
    display_name: 'Aurora PostgreSQL',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 8,
    name: 'auroramysql',
    display_name: 'Aurora MySQL',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 9,
    name: 'bigquery',
    display_name: 'BigQuery',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 10,
    name: 'gcs',
    display_name: 'Google Cloud Storage',
    enabled_features: features(true, true, false, false, true),
  },
  {
    id: 11,
    name: 'azuresql',
    display_name: 'Azure SQL',
    enabled_features: features(true, false, true, true, true),
  },
  {
    id: 12,
    name: 'azureblob',
    display_name: 'Azure Blob Storage',
    enabled_features: features(true, true, false, false, true),
  },
  {
    id: 13,
    name: 'snowflake',
    display_name: 'Snowflake',
    enabled_features: features(true, true, true, true, true),
  },
];

/** Which platform each seeded service runs on (not part of the API shape; the scale generator uses it). */
export const SERVICE_PLATFORM: Readonly<Record<number, number>> = {
  1: 0,
  2: 0,
  3: 0,
  4: 0,
  5: 0,
  6: 0,
  7: 0,
  8: 0,
  9: 1,
  10: 1,
  11: 2,
  12: 2,
  13: 5,
};

/** The guide names tags in categories 3 and 5 but never the categories themselves: names invented. */
const CATEGORIES: readonly DataTagCategory[] = [
  {
    id: 3,
    name: 'Compliance',
    description: 'Regulations that apply to the data',
    is_system_created: true,
    is_enabled: true,
  },
  {
    id: 5,
    name: 'Privacy',
    description: 'Personal data classes',
    is_system_created: true,
    is_enabled: true,
  },
];

const TAGS: readonly DataTag[] = [
  {
    id: 1000004,
    name: 'GDPR',
    description: 'GDPR-protected data',
    category_id: 3,
    color: '#e3d9ff',
    is_enabled: true,
  },
  {
    id: 1000005,
    name: 'CCPA',
    description: 'CCPA-protected data',
    category_id: 3,
    color: '#bfa3cb',
    is_enabled: true,
  },
  {
    id: 1000006,
    name: 'PCI',
    description: 'Payment card data',
    category_id: 3,
    color: '#d4d4d4',
    is_enabled: true,
  },
  {
    id: 1000007,
    name: 'PII',
    description: 'Personally identifiable information',
    category_id: 5,
    color: '#ffd0f4',
    is_enabled: true,
  },
  {
    id: 1000008,
    name: 'SOX',
    description: 'Data regulated by the Sarbanes-Oxley Act',
    category_id: 3,
    color: '#c2d9bf',
    is_enabled: true,
  },
  {
    id: 1000009,
    name: 'HIPAA',
    description: 'Healthcare data',
    category_id: 3,
    color: '#aabcc8',
    is_enabled: true,
  },
];

/** The guide's three stores, every field as printed (store 2's 11-digit account_id included). */
const STORES: readonly ConnectedDataStore[] = [
  {
    id: 1,
    name: 'engineering',
    infrastructure_connection_id: 1,
    account_id: '123456789012',
    endpoint: 'postgres-engineering.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/dev',
    service_id: 5,
    data_owners: [],
    region: 'us-west-2',
    data_store_sensitivity_score: 20,
    data_store_risk_rating: 36,
    table_count: 11,
    field_count: 91,
    sensitive_field_count: 32,
    sensitive_record_count: 71,
    data_tags: [],
    database_count: 1,
    schema_count: 5,
    total_query_count: 12766,
    total_alert_count: 11,
    misconfiguration_risk_score: 42,
    publicly_inaccessible: 'On',
    encryption: 'Off',
    backup: 'On',
    over_privileged_risk_score: 65,
    stale_user_count: 27,
    data_store_sensitive_data_access_risk_score: 0,
    users_with_access_to_sensitive_data_count: 28,
    scan_status: 1,
  },
  {
    id: 2,
    name: 'finance',
    infrastructure_connection_id: 2,
    account_id: '23456789012',
    endpoint: 'mysql-db-dev.abcdefghijk1.us-west-2.rds.amazonaws.com:3306',
    service_id: 4,
    data_owners: [3],
    region: 'us-west-2',
    data_store_sensitivity_score: 21,
    data_store_risk_rating: 0,
    table_count: 0,
    field_count: 0,
    sensitive_field_count: 0,
    sensitive_record_count: 452,
    data_tags: [],
    database_count: 0,
    schema_count: 0,
    total_query_count: -1,
    total_alert_count: 1,
    misconfiguration_risk_score: 0,
    publicly_inaccessible: 'On',
    encryption: 'On',
    backup: 'On',
    over_privileged_risk_score: -1,
    stale_user_count: 0,
    data_store_sensitive_data_access_risk_score: 0,
    users_with_access_to_sensitive_data_count: 9,
    scan_status: 1,
  },
  {
    id: 3,
    name: 'production',
    infrastructure_connection_id: 1,
    account_id: '123456789012',
    endpoint: 'production.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/prod',
    service_id: 5,
    data_owners: [3],
    region: 'us-west-2',
    data_store_sensitivity_score: 20,
    data_store_risk_rating: -1,
    table_count: 13,
    field_count: 70,
    sensitive_field_count: 22,
    sensitive_record_count: 813,
    data_tags: [],
    database_count: 1,
    schema_count: 1,
    total_query_count: 0,
    total_alert_count: 0,
    misconfiguration_risk_score: 0,
    publicly_inaccessible: 'On',
    encryption: 'On',
    backup: 'On',
    over_privileged_risk_score: -1,
    stale_user_count: 0,
    data_store_sensitive_data_access_risk_score: 0,
    users_with_access_to_sensitive_data_count: 0,
    scan_status: 1,
  },
];

/** The guide shows the discovered route but no response: these three are invented. */
const DISCOVERED: readonly DiscoveredDataStore[] = [
  {
    id: 1,
    name: 'analytics-warehouse',
    infrastructure_connection_id: 2,
    account_id: '234567890123',
    endpoint: 'analytics-warehouse.abcdefghijk1.us-east-1.redshift.amazonaws.com:5439/dev',
    service_id: 3,
    region: 'us-east-1',
    discovered_at: '2026-11-20T08:15:00Z',
  },
  {
    id: 2,
    name: 'customer-uploads',
    infrastructure_connection_id: 1,
    account_id: '123456789012',
    endpoint: 'customer-uploads.s3.us-west-2.amazonaws.com',
    service_id: 1,
    region: 'us-west-2',
    discovered_at: '2026-11-20T08:16:30Z',
  },
  {
    id: 3,
    name: 'orders',
    infrastructure_connection_id: 2,
    account_id: '234567890123',
    endpoint: 'orders.cluster-abcdefghijk1.us-west-2.rds.amazonaws.com:3306/orders',
    service_id: 8,
    region: 'us-west-2',
    discovered_at: '2026-11-21T14:02:11Z',
  },
];

/** The seeded platforms, services and tag catalog, shared by the guide tenant and the scale generator. */
export function catalogSeed(): Pick<TenantData, 'platforms' | 'services' | 'categories' | 'tags'> {
  return structuredClone({
    platforms: [...PLATFORMS],
    services: [...SERVICES],
    categories: [...CATEGORIES],
    tags: [...TAGS],
  });
}

/** The guide's example tenant as a fresh, independently mutable copy. */
export function guideTenant(): TenantData {
  return {
    ...catalogSeed(),
    ...structuredClone({ connections: [...CONNECTIONS], stores: [...STORES], discovered: [...DISCOVERED] }),
  };
}
