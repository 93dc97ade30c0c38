/**
 * The AWS resource ARN of a DSPM store, from its committed identity: what the sweep asks AWS Backup
 * about. The reverse of `arn.ts` (which reads an event's ARN into the store's account, region and
 * host label), for the same resource types: RDS instances and Aurora clusters, Redshift clusters,
 * DynamoDB tables and S3 buckets.
 */
import type { StoreIdentity } from '../state/records.ts';

/** Where to ask about a store. */
export interface StoreResource {
  readonly resourceArn: string;
  readonly accountId: string;
  readonly region: string;
}

/** What the identity alone does not say. */
export interface StoreArnContext {
  /** The DSPM service name (`rdspostgres`, `dynamodb`, `s3`, ...), when the catalog knows it. */
  readonly serviceName?: string | undefined;
  /** The infrastructure connection's account, used when the store's own is not a 12-digit id. */
  readonly connectionAccountId?: string | undefined;
  /** An explicit ARN from `BACKUP_RESOURCE_MAP` wins over anything derived. */
  readonly mappedArn?: string | undefined;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The store's ARN, account and region, or undefined when the identity does not name an AWS resource. */
export function storeResource(
  identity: StoreIdentity,
  context: StoreArnContext = {},
): StoreResource | undefined {
  const accountId = [identity.accountId, context.connectionAccountId].find(
    (id): id is string => typeof id === 'string' && ACCOUNT.test(id),
  );
  const region = identity.region ?? undefined;
  if (!accountId || !region || !REGION.test(region)) return undefined;
  const partition = partitionOf(region);
  if (context.mappedArn?.startsWith('arn:')) return { resourceArn: context.mappedArn, accountId, region };

  // China's endpoints end in `.amazonaws.com.cn`.
  const host = hostOf(identity.endpoint).replace(/\.amazonaws\.com\.cn$/, '.amazonaws.com');
  const [label = '', second = ''] = host.split('.');
  if (host.endsWith('.rds.amazonaws.com') && label) {
    // Aurora's cluster endpoints carry `cluster-` (writer) or `cluster-ro-` (reader) in the second label.
    const kind = second.startsWith('cluster-') ? 'cluster' : 'db';
    return { resourceArn: `arn:${partition}:rds:${region}:${accountId}:${kind}:${label}`, accountId, region };
  }
  if (host.endsWith('.redshift.amazonaws.com') && label) {
    return {
      resourceArn: `arn:${partition}:redshift:${region}:${accountId}:cluster:${label}`,
      accountId,
      region,
    };
  }
  const bucket = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3[.-]/.exec(host)?.[1];
  if (bucket) return { resourceArn: `arn:${partition}:s3:::${bucket}`, accountId, region };
  if (context.serviceName === 's3' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(identity.endpoint))
    return { resourceArn: `arn:${partition}:s3:::${identity.endpoint}`, accountId, region };
  const tablePath = /^dynamodb\.[a-z0-9-]+\.amazonaws\.com(?::\d+)?\/table\/([A-Za-z0-9_.-]{3,255})$/.exec(
    identity.endpoint.replace(/^https?:\/\//, ''),
  )?.[1];
  if (tablePath)
    return {
      resourceArn: `arn:${partition}:dynamodb:${region}:${accountId}:table/${tablePath}`,
      accountId,
      region,
    };
  if (context.serviceName === 'dynamodb') {
    const table = identity.endpoint.startsWith('arn:')
      ? /:table\/([A-Za-z0-9_.-]{3,255})/.exec(identity.endpoint)?.[1]
      : /^[A-Za-z0-9_.-]{3,255}$/.test(identity.endpoint)
        ? identity.endpoint
        : undefined;
    if (table)
      return {
        resourceArn: `arn:${partition}:dynamodb:${region}:${accountId}:table/${table}`,
        accountId,
        region,
      };
  }
  return undefined;
}

function hostOf(endpoint: string): string {
  const withoutScheme = endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return (withoutScheme.split(/[/:]/, 1)[0] ?? '').toLowerCase();
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
