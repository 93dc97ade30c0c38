/**
 * Deterministic tenants of any size, for paging, filtering and benchmark runs. The same options
 * always produce byte-identical data: every random choice comes from one seeded sequence drawn in
 * a fixed order, and nothing reads the clock.
 */
import type {
  ConnectedDataStore,
  DiscoveredDataStore,
  InfrastructureConnection,
  OnOff,
  Service,
  TenantData,
} from './model.ts';
import { createRng, type Rng } from './prng.ts';
import { catalogSeed, guideTenant, SERVICE_PLATFORM } from './seed.ts';

/** The seed used when none is given, so two runs without options agree. */
export const DEFAULT_SEED = 20261122;

/** Options of {@link generateTenant}. */
export interface ScaleOptions {
  /** How many connected stores to build (ids 1..stores). */
  stores: number;
  /** PRNG seed; defaults to {@link DEFAULT_SEED}. */
  seed?: number;
}

const REGIONS: Readonly<Record<number, readonly string[]>> = {
  0: ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'],
  1: ['us-central1', 'europe-west1', 'asia-east1'],
  2: ['eastus', 'westeurope', 'southeastasia'],
  5: ['us-west-2', 'eu-central-1'],
};

const WORDS = [
  'orders',
  'billing',
  'payments',
  'customers',
  'analytics',
  'inventory',
  'hr',
  'claims',
  'audit',
  'sessions',
  'catalog',
  'ledger',
  'reports',
  'telemetry',
  'crm',
  'support',
];

/** The extra connections a scaled tenant gets beside the guide's two AWS ones: [platform, name]. */
const EXTRA_CONNECTIONS: readonly (readonly [number, string])[] = [
  [0, 'aws-analytics'],
  [0, 'aws-staging'],
  [0, 'aws-shared-services'],
  [0, 'aws-sandbox'],
  [1, 'gcp-data-platform'],
  [1, 'gcp-marketing'],
  [2, 'azure-finance'],
  [2, 'azure-hr'],
  [5, 'snowflake-edw'],
  [0, 'aws-legacy'],
];

function digits(rng: Rng, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += String(rng.int(0, 9));
  return text;
}

/** `count` hex digits, six per draw (one draw per digit made 100,000 stores noticeably slower). */
function hex(rng: Rng, count: number): string {
  let text = '';
  while (text.length < count) text += rng.int(0, 0xffffff).toString(16).padStart(6, '0');
  return text.slice(0, count);
}

function accountIdFor(rng: Rng, platformId: number, name: string): string {
  switch (platformId) {
    case 0:
      return digits(rng, 12);
    case 1:
      return `${name.replace(/^gcp-/, 'acme-')}-${digits(rng, 6)}`;
    case 2:
      return `${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`;
    default:
      return `ab${digits(rng, 5)}`;
  }
}

function buildConnections(rng: Rng): InfrastructureConnection[] {
  const connections = guideTenant().connections;
  for (const [platformId, name] of EXTRA_CONNECTIONS) {
    connections.push({
      id: connections.length + 1,
      name,
      account_id: accountIdFor(rng, platformId, name),
      auto_discovery_enabled: rng.chance(0.8),
      platform_id: platformId,
      organization_id: platformId === 0 && rng.chance(0.7) ? '567890567890' : null,
    });
  }
  return connections;
}

/** An endpoint string in the style of the service, unique through `name` (which holds the id). */
function endpointFor(service: Service, name: string, region: string, host: string): string {
  switch (service.name) {
    case 's3':
      return `${name}.s3.${region}.amazonaws.com`;
    case 'dynamodb':
      return `dynamodb.${region}.amazonaws.com/table/${name}`;
    case 'redshift':
      return `${name}.${host}.${region}.redshift.amazonaws.com:5439/dev`;
    case 'rdsmysql':
      return `${name}.${host}.${region}.rds.amazonaws.com:3306`;
    case 'rdspostgres':
      return `${name}.${host}.${region}.rds.amazonaws.com:5432/app`;
    case 'microsoftsqlserver':
      return `${name}.${host}.${region}.rds.amazonaws.com:1433`;
    case 'aurorapostgres':
      return `${name}.cluster-${host}.${region}.rds.amazonaws.com:5432/app`;
    case 'auroramysql':
      return `${name}.cluster-${host}.${region}.rds.amazonaws.com:3306/app`;
    case 'bigquery':
      return `bigquery.googleapis.com/projects/${host}/datasets/${name}`;
    case 'gcs':
      return `storage.googleapis.com/${name}`;
    case 'azuresql':
      return `${name}.database.windows.net:1433`;
    case 'azureblob':
      return `${name.replace(/-/g, '')}.blob.core.windows.net`;
    default:
      return `${host}.${region}.snowflakecomputing.com/${name}`;
  }
}

/** `-1` ("not computed") with the given probability, else a value in [min, max]. */
function scoreOrUnknown(rng: Rng, unknown: number, min: number, max: number): number {
  return rng.chance(unknown) ? -1 : rng.int(min, max);
}

function onOff(rng: Rng, probabilityOn: number): OnOff {
  return rng.chance(probabilityOn) ? 'On' : 'Off';
}

function buildStore(
  rng: Rng,
  id: number,
  connection: InfrastructureConnection,
  service: Service,
  tagIds: readonly number[],
): ConnectedDataStore {
  const regions = REGIONS[connection.platform_id] ?? ['us-west-2'];
  const region = rng.pick(regions);
  const name = `${rng.pick(WORDS)}-${id}`;
  const tables = scoreOrUnknown(rng, 0.02, 0, 400);
  const fields = tables < 0 ? -1 : tables * rng.int(2, 15);
  const sensitiveFields = fields < 0 ? -1 : rng.int(0, fields);
  const tags: number[] = [];
  if (rng.chance(0.25)) {
    for (const tagId of tagIds) if (rng.chance(0.3)) tags.push(tagId);
  }
  const features = service.enabled_features;
  return {
    id,
    name,
    infrastructure_connection_id: connection.id,
    account_id: connection.account_id,
    endpoint: endpointFor(service, name, region, hex(rng, 12)),
    service_id: service.id,
    data_owners: rng.chance(0.6) ? [] : [rng.int(1, 12)],
    region,
    data_store_sensitivity_score: scoreOrUnknown(rng, 0.03, 0, 100),
    data_store_risk_rating: scoreOrUnknown(rng, 0.05, 0, 100),
    table_count: tables,
    field_count: fields,
    sensitive_field_count: sensitiveFields,
    sensitive_record_count: scoreOrUnknown(rng, 0.02, 0, 1_000_000),
    data_tags: tags,
    database_count: scoreOrUnknown(rng, 0.02, 0, 20),
    schema_count: scoreOrUnknown(rng, 0.02, 0, 40),
    total_query_count: features.query_analysis ? scoreOrUnknown(rng, 0.05, 0, 250_000) : -1,
    total_alert_count: rng.int(0, 50),
    misconfiguration_risk_score: scoreOrUnknown(rng, 0.03, 0, 100),
    publicly_inaccessible: onOff(rng, 0.92),
    encryption: onOff(rng, 0.8),
    backup: onOff(rng, 0.7),
    over_privileged_risk_score: features.privilege_analysis ? scoreOrUnknown(rng, 0.1, 0, 100) : -1,
    stale_user_count: scoreOrUnknown(rng, 0.03, 0, 40),
    data_store_sensitive_data_access_risk_score: scoreOrUnknown(rng, 0.05, 0, 100),
    users_with_access_to_sensitive_data_count: scoreOrUnknown(rng, 0.03, 0, 60),
    scan_status: rng.chance(0.9) ? 1 : rng.pick([0, 2]),
  };
}

/**
 * Builds a tenant with `stores` connected stores (ids 1..stores, ascending) spread over twelve
 * connections on four platforms and every seeded service of each platform, about a quarter of
 * them carrying seed tags, with `-1` sprinkled over scores and counts. Platforms, services and the
 * tag catalog are the guide's seed. Throws a RangeError for a negative or fractional count.
 */
export function generateTenant(options: ScaleOptions): TenantData {
  const { stores: count, seed = DEFAULT_SEED } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`stores must be a non-negative integer, got ${count}`);
  }
  const rng = createRng(seed);
  const catalog = catalogSeed();
  const connections = buildConnections(rng);
  const servicesByPlatform = new Map<number, Service[]>();
  for (const service of catalog.services) {
    const platformId = SERVICE_PLATFORM[service.id] ?? 4;
    servicesByPlatform.set(platformId, [...(servicesByPlatform.get(platformId) ?? []), service]);
  }
  const tagIds = catalog.tags.map((tag) => tag.id);
  const servicesOf = (connection: InfrastructureConnection): Service[] =>
    servicesByPlatform.get(connection.platform_id) ?? catalog.services;

  const stores: ConnectedDataStore[] = new Array(count);
  for (let id = 1; id <= count; id += 1) {
    const connection = rng.pick(connections);
    stores[id - 1] = buildStore(rng, id, connection, rng.pick(servicesOf(connection)), tagIds);
  }

  // A smaller, separate id space: stores auto-discovery found that nobody connected yet.
  const discoveredCount = Math.min(1000, Math.ceil(count / 50));
  const discovered: DiscoveredDataStore[] = [];
  const day = Date.UTC(2026, 10, 1);
  for (let id = 1; id <= discoveredCount; id += 1) {
    const connection = rng.pick(connections);
    const service = rng.pick(servicesOf(connection));
    const region = rng.pick(REGIONS[connection.platform_id] ?? ['us-west-2']);
    const name = `${rng.pick(WORDS)}-candidate-${id}`;
    discovered.push({
      id,
      name,
      infrastructure_connection_id: connection.id,
      account_id: connection.account_id,
      endpoint: endpointFor(service, name, region, hex(rng, 12)),
      service_id: service.id,
      region,
      discovered_at: new Date(day + rng.int(0, 21 * 86_400) * 1000).toISOString(),
    });
  }
  return { ...catalog, connections, stores, discovered };
}
