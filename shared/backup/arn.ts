/**
 * AWS resource ARNs, read into what identifies a DSPM store: account, region and the resource's
 * name, which for RDS, Aurora and Redshift starts the endpoint's host name
 * (`postgres-engineering.abcdefghijk1.us-west-2.rds.amazonaws.com`).
 */

/** What an ARN says about the resource. */
export interface ResourceArn {
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** `db`, `cluster`, `table`, `bucket`, ... */
  readonly resourceType: string;
  /** The resource's name (instance or cluster identifier, table or bucket name). */
  readonly name: string;
}

/**
 * Parses the ARNs backup systems send for data stores: RDS instances (`db:`) and clusters
 * (`cluster:`), Redshift clusters, DynamoDB tables and S3 buckets. Undefined for anything else.
 */
export function parseResourceArn(arn: string): ResourceArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, , service = '', region = '', accountId = ''] = parts;
  const resource = parts.slice(5).join(':');
  switch (service) {
    case 'rds':
    case 'redshift': {
      const [resourceType = '', name = ''] = resource.split(':');
      return name ? { service, region, accountId, resourceType, name } : undefined;
    }
    case 'dynamodb': {
      const match = /^table\/([^/]+)/.exec(resource);
      return match?.[1] ? { service, region, accountId, resourceType: 'table', name: match[1] } : undefined;
    }
    case 's3':
      return resource && !resource.includes('/')
        ? { service, region, accountId, resourceType: 'bucket', name: resource }
        : undefined;
    default:
      return undefined;
  }
}
