/**
 * Finding event details as the poller publishes them (checked against the contract's
 * `findingDetailSchema` on the way out), for tests of subscribers.
 */
import { createHash } from 'node:crypto';
import { type FindingDetail, findingDetailSchema } from '#shared/events/contract.ts';

/** The store of the examples: an RDS Postgres instance, so its ARN can be derived. */
export const RDS_STORE: FindingDetail['dataStore'] = {
  id: 1,
  name: 'engineering',
  endpoint: 'postgres-engineering.c8abcdefgh.us-west-2.rds.amazonaws.com:5432/dev',
  region: 'us-west-2',
  accountId: '210987654321',
  service: { id: 5, name: 'rdspostgres', displayName: 'Postgres' },
  infrastructureConnection: { id: 1, name: 'aws-demo', platform: 'AWS' },
  dataTags: [{ id: 1000004, name: 'GDPR', categoryId: 3 }],
};

/** The ARN the store's finding names as its resource. */
export const RDS_STORE_ARN = 'arn:aws:rds:us-west-2:210987654321:db:postgres-engineering';

/** One event of a `high-risk` finding of RDS_STORE; `overrides` say which. */
export function findingDetail(overrides: Partial<FindingDetail> = {}): FindingDetail {
  const tenant = overrides.tenant ?? 'example.goskope.com';
  const store = overrides.dataStore ?? RDS_STORE;
  const condition = overrides.condition ?? 'high-risk';
  const occurrence = overrides.occurrence ?? 1;
  const findingId = `${tenant}/data-store/${store.id}/finding/${condition}`;
  const sequence = overrides.sequence ?? 1;
  const detail: FindingDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256').update(`${findingId}/${sequence}`).digest('hex'),
    findingId,
    occurrence,
    correlationId: `${findingId}/${occurrence}`,
    condition,
    status: 'open',
    severity: 'high',
    previousSeverity: null,
    title: `High DSPM risk on ${store.name}`,
    openedAt: '2026-11-22T10:00:00.000Z',
    resolvedAt: null,
    resolution: null,
    sequence,
    baseline: false,
    tenant,
    pollId: 'poll-1',
    observedAt: '2026-11-22T10:00:00.000Z',
    test: false,
    dataStore: store,
    evidence: { data_store_risk_rating: 80 },
    ...overrides,
  };
  return findingDetailSchema.parse(detail);
}

/** The detail type of a detail. */
export function detailTypeOf(detail: FindingDetail): string {
  if (detail.status === 'resolved') return 'data-store-finding-resolved';
  return detail.previousSeverity === null ? 'data-store-finding-opened' : 'data-store-finding-updated';
}

/** The lifecycle 80 -> 90 -> 30 of one occurrence: opened (high), updated (critical), resolved. */
export function lifecycle(occurrence = 1, firstSequence = 1, dataStore = RDS_STORE): FindingDetail[] {
  const at = (minutes: number) =>
    new Date(Date.parse('2026-11-22T10:00:00.000Z') + minutes * 60_000).toISOString();
  const openedAt = at((occurrence - 1) * 60);
  return [
    findingDetail({ dataStore, occurrence, sequence: firstSequence, openedAt, observedAt: openedAt }),
    findingDetail({
      dataStore,
      occurrence,
      sequence: firstSequence + 1,
      openedAt,
      observedAt: at((occurrence - 1) * 60 + 15),
      severity: 'critical',
      previousSeverity: 'high',
      evidence: { data_store_risk_rating: 90 },
    }),
    findingDetail({
      dataStore,
      occurrence,
      sequence: firstSequence + 2,
      openedAt,
      observedAt: at((occurrence - 1) * 60 + 30),
      status: 'resolved',
      severity: 'critical',
      resolvedAt: at((occurrence - 1) * 60 + 30),
      resolution: 'condition-cleared',
      evidence: { data_store_risk_rating: 30 },
    }),
  ];
}
