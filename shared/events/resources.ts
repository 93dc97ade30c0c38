/**
 * The EventBridge `Resources` of an entry: the AWS ARN of the store a per-store event is about,
 * when its identity names one (RDS, Aurora, Redshift, DynamoDB, S3), so a rule can match on the
 * resource (`"resources": [{"prefix": "arn:aws:rds:"}]`) without reading the detail.
 */
import { storeResource } from '../backup/inventory-arn.ts';
import type { BusEvent, DataStoreRef } from './contract.ts';

/** The entry's resources: the store's ARN, or none (a summary, a store outside AWS). */
export function resourcesOf(event: BusEvent): string[] {
  const store = (event.detail as { dataStore?: DataStoreRef }).dataStore;
  if (!store) return [];
  const resource = storeResource(
    {
      name: store.name,
      endpoint: store.endpoint,
      serviceId: store.service.id,
      connectionId: store.infrastructureConnection.id,
      region: store.region,
      accountId: store.accountId,
    },
    { serviceName: store.service.name ?? undefined },
  );
  return resource ? [resource.resourceArn] : [];
}
