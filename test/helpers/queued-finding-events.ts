/**
 * Finding events as EventBridge delivers them (and as an SQS message body carries them), checked
 * against the contract's full schema so a test never feeds the notifier an event the poller could
 * not publish.
 */
import type { SQSEvent } from 'aws-lambda';
import { DETAIL_TYPES, type FindingDetail, findingDetailSchema } from '#shared/events/contract.ts';

const STORE = {
  id: 1,
  name: 'engineering',
  endpoint: 'postgres-engineering.cluster-abc.us-west-2.rds.amazonaws.com:5432/dev',
  region: 'us-west-2',
  accountId: '123456789012',
  service: { id: 5, name: 'rdspostgres', displayName: 'Postgres' },
  infrastructureConnection: { id: 1, name: 'aws-demo', platform: 'AWS' },
  dataTags: [],
};

/** The three steps of one high-risk finding: opened high, escalated to critical, resolved. */
export type FindingStep = 'opened' | 'updated' | 'resolved';

const TYPE_OF = {
  opened: DETAIL_TYPES.findingOpened,
  updated: DETAIL_TYPES.findingUpdated,
  resolved: DETAIL_TYPES.findingResolved,
} as const;

/** A finding detail for `step`, with `overrides`; validated against the contract. */
export function findingDetail(step: FindingStep, overrides: Partial<FindingDetail> = {}): FindingDetail {
  const base: FindingDetail = {
    schemaVersion: '1',
    eventId: `${step === 'opened' ? 'a' : step === 'updated' ? 'b' : 'c'}`.repeat(64),
    findingId: 'example.goskope.com/data-store/1/finding/high-risk',
    occurrence: 1,
    correlationId: 'example.goskope.com/data-store/1/finding/high-risk/1',
    condition: 'high-risk',
    status: step === 'resolved' ? 'resolved' : 'open',
    severity: step === 'updated' ? 'critical' : 'high',
    previousSeverity: step === 'updated' ? 'high' : null,
    title: 'High risk on engineering (Postgres)',
    openedAt: '2026-11-22T10:00:00.000Z',
    resolvedAt: step === 'resolved' ? '2026-11-22T11:00:00.000Z' : null,
    resolution: step === 'resolved' ? 'condition-cleared' : null,
    sequence: step === 'opened' ? 1 : step === 'updated' ? 2 : 3,
    baseline: false,
    tenant: 'example.goskope.com',
    pollId: 'poll-1',
    observedAt: step === 'resolved' ? '2026-11-22T11:00:00.000Z' : '2026-11-22T10:00:00.000Z',
    test: false,
    dataStore: STORE,
    evidence: { data_store_risk_rating: step === 'resolved' ? 30 : step === 'updated' ? 90 : 80 },
  };
  return findingDetailSchema.parse({ ...base, ...overrides });
}

/** The EventBridge event of a finding step. */
export function findingEvent(step: FindingStep, overrides: Partial<FindingDetail> = {}, id = `evt-${step}`) {
  return {
    version: '0',
    id,
    'detail-type': TYPE_OF[step],
    source: 'netskope.dspm',
    account: '123456789012',
    time: '2026-11-22T10:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail: findingDetail(step, overrides),
  };
}

/** An SQS FIFO batch (one message group, as the Slack queue's rule sends) carrying `bodies`. */
export function sqsBatch(bodies: readonly unknown[], group = 'slack'): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `msg-${index + 1}`,
      receiptHandle: `receipt-${index + 1}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1732269600000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1732269600000',
        MessageGroupId: group,
        MessageDeduplicationId: `dedup-${index + 1}`,
        SequenceNumber: String(18_000_000_000_000_000_000 + index),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-west-2:123456789012:slack.fifo',
      awsRegion: 'us-west-2',
    })),
  };
}
