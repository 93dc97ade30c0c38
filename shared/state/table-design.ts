/**
 * The state table's design, shared by the adapter and the CDK stack so they cannot drift:
 * one partition per tenant (`pk`), one item per store, plus the lease and the tenant's facts.
 *
 *   pk = tenant#<host>   sk = store#<id, zero-padded>   a store's committed snapshot
 *   pk = tenant#<host>   sk = lease#poll                the poll lease
 *   pk = tenant#<host>   sk = meta                      baseline and last poll
 *   pk = tenant#<host>   sk = poll#checkpoint           the poll in progress (across invocations)
 *   pk = tenant#<host>   sk = poll#checkpoint#<poll>#<write>#<part>   its seen ids, packed
 *   pk = tenant#<host>   sk = fpx#<bucket>                  128 stores' fingerprints (dynamodb-fingerprints.ts)
 *   pk = tenant#<host>   sk = budget#rate                   who may use the whole rate limit (shared/budget/)
 *
 *   pk = tenant#<host>   sk = protection#<id>           a store's protection status (the tagger)
 *   pk = tenant#<host>   sk = lock#store#<id>           a store's tag-write lock
 *   pk = tenant#<host>   sk = tagref                    the Unprotected tag's and its category's ids
 *
 * The `byEndpoint` index finds a store by endpoint (`endpointKey` = `<host>#<endpoint>`); the
 * `byResource` index finds stores by AWS account, region and the first label of the endpoint's
 * host (`resourceKey`), which is how an RDS or Aurora ARN is matched.
 * `expiresAt` (epoch seconds) is the TTL attribute: tombstones of removed stores age out.
 */
export const STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  endpointIndex: 'byEndpoint',
  endpointKey: 'endpointKey',
  resourceIndex: 'byResource',
  resourceKey: 'resourceKey',
  ttlAttribute: 'expiresAt',
} as const;

/** The partition of a tenant. */
export const tenantPartition = (tenant: string): string => `tenant#${tenant}`;

/** The sort key of a store's item; zero-padded so items sort by id. */
export const storeSortKey = (storeId: number): string => `store#${String(storeId).padStart(12, '0')}`;

/** The prefix shared by all store items. */
export const STORE_SORT_PREFIX = 'store#';

/** Sort keys of the lease and the tenant's facts. */
export const LEASE_SORT_KEY = 'lease#poll';
export const META_SORT_KEY = 'meta';

/** Sort key of the tenant's rate-budget item: the whole-budget lease and the others' demand. */
export const RATE_BUDGET_SORT_KEY = 'budget#rate';

/** Sort key of the poll in progress, and the prefix of its seen-id parts. */
export const CHECKPOINT_SORT_KEY = 'poll#checkpoint';
/** `write` is unique per save, so a save that loses the race never touches the stored one's parts. */
export const checkpointPartSortKey = (pollId: string, write: string, part: number): string =>
  `${CHECKPOINT_SORT_KEY}#${pollId}#${write}#${String(part).padStart(4, '0')}`;

/** The index key that finds a store by endpoint. */
export const endpointIndexKey = (tenant: string, endpoint: string): string => `${tenant}#${endpoint}`;

/** The index key that finds stores by AWS resource. */
export const resourceIndexKey = (
  tenant: string,
  key: { accountId: string; region: string; hostLabel: string },
): string => `${tenant}#${key.accountId}#${key.region}#${key.hostLabel.toLowerCase()}`;

/** Sort keys of the tagger's items. */
export const protectionSortKey = (storeId: number): string =>
  `protection#${String(storeId).padStart(12, '0')}`;
export const PROTECTION_SORT_PREFIX = 'protection#';
export const storeLockSortKey = (storeId: number): string =>
  `lock#store#${String(storeId).padStart(12, '0')}`;
export const TAG_REF_SORT_KEY = 'tagref';

/** How long a removed store's tombstone is kept, so a store that comes back continues its sequence. */
export const TOMBSTONE_RETENTION_DAYS = 90;

/**
 * People's exceptions live in the state table, one item each:
 *
 *   pk = tenant#<host>   sk = exception#<exceptionId>   the exception (revocation set once, conditionally)
 *
 * Their audit trail lives in a table of its own, so that no function's grant on the state table
 * (the poller deletes its lease, the tagger its locks) reaches an audit entry: the stack grants
 * PutItem and Query there and nothing else, and every put refuses to overwrite.
 *
 *   pk = tenant#<host>   sk = <exceptionId>#<action>    one entry; each action happens once
 */
export const EXCEPTION_SORT_PREFIX = 'exception#';
export const exceptionSortKey = (exceptionId: string): string => `${EXCEPTION_SORT_PREFIX}${exceptionId}`;

/** The audit table's keys (the same names as the state table's). */
export const AUDIT_TABLE = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const auditSortKey = (exceptionId: string, action: string): string => `${exceptionId}#${action}`;
