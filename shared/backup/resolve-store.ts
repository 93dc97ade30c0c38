/**
 * Finds the DSPM store a backup event is about: an explicit mapping first, then the store id the
 * event names, then the endpoint, then the resource ARN (account, region and the name that starts
 * the endpoint's host). The poller's state answers from its indexes; DSPM's own listing is the
 * fallback for stores the poller has not committed yet, remembered (`fallback-lookups.ts`) so its
 * cost does not grow with the number of events. A resource of a type DSPM does not hold (an EC2
 * instance, an EBS volume) costs no DSPM request at all.
 */
import type { DspmClient } from '../dspm/client.ts';
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import { firstHostLabel, type ProtectionStore } from '../state/protection-records.ts';
import { parseResourceArn } from './arn.ts';
import type { FallbackLookups } from './fallback-lookups.ts';
import type { BackupTarget } from './observation.ts';

/** How the store was found, for logs. */
export type ResolvedBy = 'mapping' | 'data-store-id' | 'endpoint' | 'resource-arn';

/** A found store. */
export interface ResolvedStore {
  readonly storeId: number;
  readonly by: ResolvedBy;
}

/** What resolution needs. */
export interface ResolvePorts {
  readonly state: ProtectionStore;
  readonly dspm: DspmClient;
  readonly tenant: string;
  /** Explicit ARN or endpoint to store id mappings (`BACKUP_RESOURCE_MAP`); they win over everything. */
  readonly mappings: ReadonlyMap<string, number>;
  /** DSPM's answers about stores the state does not know, remembered for a while. */
  readonly lookups: FallbackLookups;
}

/** Finds the store, or undefined when DSPM does not know the resource. */
export async function resolveStore(
  ports: ResolvePorts,
  target: BackupTarget,
): Promise<ResolvedStore | undefined> {
  for (const key of [target.resourceArn, target.endpoint]) {
    const mapped = key === undefined ? undefined : ports.mappings.get(key);
    if (mapped !== undefined) return { storeId: mapped, by: 'mapping' };
  }
  if (target.dataStoreId !== undefined) return { storeId: target.dataStoreId, by: 'data-store-id' };
  if (target.endpoint !== undefined) {
    const storeId = await byEndpoint(ports, target.endpoint);
    if (storeId !== undefined) return { storeId, by: 'endpoint' };
  }
  if (target.resourceArn !== undefined) {
    const storeId = await byArn(ports, target.resourceArn);
    if (storeId !== undefined) return { storeId, by: 'resource-arn' };
  }
  return undefined;
}

async function byEndpoint(ports: ResolvePorts, endpoint: string): Promise<number | undefined> {
  const committed = await ports.state.findStoreByEndpoint(ports.tenant, endpoint);
  if (committed) return committed.storeId;
  return ports.lookups.endpoint(ports.dspm, endpoint);
}

async function byArn(ports: ResolvePorts, arn: string): Promise<number | undefined> {
  const resource = parseResourceArn(arn);
  if (!resource) return undefined;
  const name = resource.name.toLowerCase();
  if (resource.accountId && resource.region) {
    const key = { accountId: resource.accountId, region: resource.region, hostLabel: name };
    const [committed] = await ports.state.findStoresByResource(ports.tenant, key);
    if (committed) return committed.storeId;
    const listing = await ports.lookups.account(ports.dspm, resource.accountId, resource.region);
    // Too many to walk for one event: the poller's next commit puts a new store in the state.
    if (listing.kind === 'too-large') return undefined;
    return listing.stores.find((store) => matchesName(store, name, arn))?.id;
  }
  // S3 ARNs name no account or region: the endpoint must say the bucket.
  for (const endpoint of [resource.name, `s3://${resource.name}`, arn]) {
    const storeId = await byEndpoint(ports, endpoint);
    if (storeId !== undefined) return storeId;
  }
  return undefined;
}

function matchesName(store: ConnectedDataStore, name: string, arn: string): boolean {
  return (
    store.endpoint === arn || store.endpoint.toLowerCase() === name || firstHostLabel(store.endpoint) === name
  );
}
