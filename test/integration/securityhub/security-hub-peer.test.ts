/**
 * The Security Hub export against a strict Security Hub peer (test/peers/security-hub): what it
 * refuses in `FailedFindings` comes back to SQS as batch item failures (and so, after its receives,
 * reaches the dead-letter queue), never acknowledged; big batches go in calls of at most 100.
 * The handler runs in-process with the real SDK; the dead-letter queue is moto's.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { FindingDetail } from '#shared/events/contract.ts';
import { captureProcessOutput, fakeContext, motoEnvironment, useEnvironment } from '../../helpers/aws.ts';
import { detailTypeOf, findingDetail, lifecycle, RDS_STORE } from '../../helpers/finding-events.ts';
import { type SecurityHubPeer, startSecurityHubPeer } from '../../peers/security-hub/server.ts';

const PRODUCT_ARN = 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default';

/** An SQS event of these details, as EventBridge delivers them to the queue. */
function sqsEvent(details: FindingDetail[]): SQSEvent {
  return {
    Records: details.map((detail, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify({
        version: '0',
        id: `e-${i}`,
        'detail-type': detailTypeOf(detail),
        source: 'netskope.dspm',
        account: '123456789012',
        time: detail.observedAt,
        region: 'us-east-1',
        resources: [],
        detail,
      }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'events',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:security-hub',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('the Security Hub export against a strict Security Hub peer', () => {
  const endpoint = inject('motoEndpoint');
  let peer: SecurityHubPeer;
  let restore: () => void;
  let handler: (
    event: SQSEvent,
    context: ReturnType<typeof fakeContext>,
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  let output: string[];

  beforeAll(async () => {
    peer = await startSecurityHubPeer();
    restore = useEnvironment({
      ...motoEnvironment(endpoint),
      AWS_ENDPOINT_URL_SECURITYHUB: peer.url,
      SECURITY_HUB_PRODUCT_ARN: PRODUCT_ARN,
    });
    // The module builds its handler from process.env when it loads, as in Lambda.
    ({ handler } = await import('../../../functions/export-security-hub.ts'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    peer.enabled = true;
  });
  afterAll(async () => {
    restore();
    await peer.close();
  });

  const run = async (details: FindingDetail[]) => {
    output = captureProcessOutput();
    try {
      return await handler(sqsEvent(details), fakeContext('dspm-bridge-security-hub'));
    } finally {
      vi.restoreAllMocks();
    }
  };

  it('imports a finding the strict rules accept', async () => {
    const [opened] = lifecycle(1);
    const response = await run([opened as FindingDetail]);
    expect(response.batchItemFailures).toEqual([]);
    expect(peer.findings.get('example.goskope.com/data-store/1/finding/high-risk/1')).toMatchObject({
      RecordState: 'ACTIVE',
      ProductArn: PRODUCT_ARN,
    });
  });

  it('reports a finding Security Hub refused as a batch item failure, with the reason in the log', async () => {
    // Arrange: the peer refuses one of two findings once.
    const refused = findingDetail({
      condition: 'backup-off',
      title: 'Backup off',
      evidence: { backup: 'Off' },
    });
    const accepted = findingDetail({
      condition: 'public-access',
      title: 'Public',
      evidence: { publicly_inaccessible: 'Off' },
    });
    peer.refuse(refused.correlationId, 'LimitExceeded', 1);
    // Act
    const response = await run([refused, accepted]);
    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(peer.findings.has(accepted.correlationId)).toBe(true);
    expect(peer.findings.has(refused.correlationId)).toBe(false);
    const log = output.join('');
    expect(log).toContain('Security Hub refused the finding: LimitExceeded');
    expect(log).toContain('"FindingsFailed":1');
    // Act again: SQS redelivers it, and this time it is taken.
    expect((await run([refused])).batchItemFailures).toEqual([]);
    expect(peer.findings.has(refused.correlationId)).toBe(true);
  });

  it('fails every record of the finding when Security Hub is not enabled, the superseded ones too', async () => {
    // Arrange
    peer.enabled = false;
    const store = { ...RDS_STORE, id: 9 };
    const details = lifecycle(1, 1, store);
    // Act
    const response = await run(details);
    // Assert: nothing acknowledged, so nothing lost.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-0', 'm-1', 'm-2']);
    expect(output.join('')).toContain('InvalidAccess');
  });

  it('imports more than 100 findings in calls of at most 100', async () => {
    // Arrange: 150 stores, one finding each.
    const details = Array.from({ length: 150 }, (_, i) =>
      findingDetail({ dataStore: { ...RDS_STORE, id: 1000 + i } }),
    );
    const before = peer.imports.length;
    // Act
    const response = await run(details);
    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(peer.imports.slice(before).map((batch) => batch.length)).toEqual([100, 50]);
  });
});
