/**
 * The one query both DynamoDB adapters of the state table run: every item of a tenant's partition
 * whose sort key starts with a prefix (its stores, its exceptions, its fingerprint buckets), page
 * by page, strongly consistent (a poll must see what the last one committed).
 */
import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { STATE_TABLE, tenantPartition } from './table-design.ts';

/** Pages of the tenant's items under `prefix`, in sort-key order. */
export function queryByPrefix(client: DynamoDBDocumentClient, table: string, tenant: string, prefix: string) {
  return paginateQuery(
    { client },
    {
      TableName: table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, '#sk': STATE_TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': tenantPartition(tenant), ':prefix': prefix },
      ConsistentRead: true,
    },
  );
}
