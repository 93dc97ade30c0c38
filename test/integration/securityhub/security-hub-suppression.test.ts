/**
 * A finding an exception covers, through the Security Hub export against the strict Security Hub
 * peer (test/peers/security-hub), with the real SDK: SUPPRESSED with a note on suppress and NEW on
 * unsuppress through BatchUpdateFindings; updates through FindingProviderFields only, so what an
 * analyst set in Security Hub (severity, workflow, note) survives the bridge's next update.
 */
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { FindingDetail } from '#shared/events/contract.ts';
import type { FindingDetailType } from '#shared/events/detail-types.ts';
import { captureProcessOutput, fakeContext, motoEnvironment, useEnvironment } from '../../helpers/aws.ts';
import { findingDetail, RDS_STORE } from '../../helpers/finding-events.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { findingException } from '../../helpers/suppressed-finding-events.ts';
import { type SecurityHubPeer, startSecurityHubPeer } from '../../peers/security-hub/server.ts';

const PRODUCT_ARN = 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default';

/** The SQS event of these finding events, as EventBridge delivers them to the queue. */
function sqsEvent(events: [FindingDetailType, FindingDetail][]): SQSEvent {
  return {
    Records: events.map(([detailType, detail], i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify({
        version: '0',
        id: `e-${i}`,
        'detail-type': detailType,
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

/** One finding's events on store `id`: open, suppress, update while suppressed, unsuppress. */
function story(id: number) {
  const dataStore = { ...RDS_STORE, id };
  const exception = findingException({
    scope: { findingId: `example.goskope.com/data-store/${id}/finding/high-risk` },
  });
  const at = (minutes: number) =>
    new Date(Date.parse('2026-11-22T10:00:00.000Z') + minutes * 60_000).toISOString();
  return {
    opened: findingDetail({ dataStore }),
    suppressed: findingDetail({
      dataStore,
      sequence: 2,
      status: 'suppressed',
      exception,
      observedAt: at(15),
    }),
    updated: findingDetail({
      dataStore,
      sequence: 3,
      status: 'suppressed',
      exception,
      severity: 'critical',
      previousSeverity: 'high',
      evidence: { data_store_risk_rating: 90 },
      observedAt: at(30),
    }),
    unsuppressed: findingDetail({
      dataStore,
      sequence: 4,
      status: 'open',
      severity: 'critical',
      exception,
      evidence: { data_store_risk_rating: 90 },
      observedAt: at(45),
    }),
  };
}

describe('a suppressed finding in Security Hub (strict peer)', () => {
  const endpoint = inject('motoEndpoint');
  let peer: SecurityHubPeer;
  let analyst: SecurityHubClient;
  let restore: () => void;
  let handler: (
    event: SQSEvent,
    context: ReturnType<typeof fakeContext>,
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  let output: string;

  beforeAll(async () => {
    peer = await startSecurityHubPeer();
    analyst = new SecurityHubClient({ ...MOTO_AWS, region: 'us-east-1', endpoint: peer.url });
    restore = useEnvironment({
      ...motoEnvironment(endpoint),
      AWS_ENDPOINT_URL_SECURITYHUB: peer.url,
      SECURITY_HUB_PRODUCT_ARN: PRODUCT_ARN,
    });
    ({ handler } = await import('../../../functions/export-security-hub.ts'));
  });
  afterAll(async () => {
    restore();
    await peer.close();
  });

  const run = async (events: [FindingDetailType, FindingDetail][]) => {
    const lines = captureProcessOutput();
    try {
      return await handler(sqsEvent(events), fakeContext('dspm-bridge-security-hub'));
    } finally {
      output = lines.join('');
      vi.restoreAllMocks();
    }
  };
  const held = (detail: FindingDetail) => peer.findings.get(detail.correlationId);

  it('sets SUPPRESSED with a note on suppress, keeps it through updates, and NEW on unsuppress', async () => {
    // Arrange
    const { opened, suppressed, updated, unsuppressed } = story(101);
    expect((await run([['data-store-finding-opened', opened]])).batchItemFailures).toEqual([]);
    expect(held(opened)?.Workflow).toEqual({ Status: 'NEW' });
    // Act: suppressed
    expect((await run([['data-store-finding-suppressed', suppressed]])).batchItemFailures).toEqual([]);
    // Assert
    expect(held(opened)).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      Note: {
        UpdatedBy: 'dspm-bridge',
        Text: expect.stringMatching(
          /^Suppressed by exception exc-0123456789abcdef \(risk-accepted\) until 2027-02-20T10:30:00\.000Z; requested by alice@example\.com, approved by ciso@example\.com: /,
        ),
      },
      ProductFields: expect.objectContaining({ 'dspm-bridge/status': 'suppressed' }),
    });
    expect(peer.updates.at(-1)).toEqual({
      FindingIdentifiers: [{ Id: opened.correlationId, ProductArn: PRODUCT_ARN }],
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: expect.any(String), UpdatedBy: 'dspm-bridge' },
    });
    expect(output).toContain('"FindingWorkflowsSet":1');
    // Act: an update while suppressed changes the severity, not the workflow.
    const updatesBefore = peer.updates.length;
    expect((await run([['data-store-finding-updated', updated]])).batchItemFailures).toEqual([]);
    expect(peer.updates.length).toBe(updatesBefore);
    expect(held(opened)).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      Severity: { Label: 'CRITICAL' },
      FindingProviderFields: expect.objectContaining({
        Severity: { Label: 'CRITICAL', Original: 'critical' },
      }),
    });
    // Act: the exception ends.
    expect((await run([['data-store-finding-unsuppressed', unsuppressed]])).batchItemFailures).toEqual([]);
    expect(held(opened)).toMatchObject({
      Workflow: { Status: 'NEW' },
      Note: {
        Text: 'Exception exc-0123456789abcdef (risk-accepted) expired at 2027-02-20T10:30:00.000Z: the finding is open again.',
      },
      ProductFields: expect.objectContaining({ 'dspm-bridge/status': 'open' }),
    });
  });

  it("keeps an analyst's severity, workflow and note through the bridge's next update", async () => {
    // Arrange: the finding is imported; an analyst triages it in Security Hub.
    const { opened, updated } = story(102);
    const escalated = { ...updated, status: 'open' as const, exception: undefined };
    expect((await run([['data-store-finding-opened', opened]])).batchItemFailures).toEqual([]);
    const answer = await analyst.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: opened.correlationId, ProductArn: PRODUCT_ARN }],
        Severity: { Label: 'LOW' },
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: 'Owner paged; compensating control in place', UpdatedBy: 'analyst@example.com' },
      }),
    );
    expect(answer.ProcessedFindings).toHaveLength(1);
    // Act: DSPM escalates it to critical.
    expect((await run([['data-store-finding-updated', escalated]])).batchItemFailures).toEqual([]);
    // Assert: the provider's view moved, the analyst's did not.
    expect(held(opened)).toMatchObject({
      Severity: { Label: 'LOW' },
      FindingProviderFields: expect.objectContaining({
        Severity: { Label: 'CRITICAL', Original: 'critical' },
      }),
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'Owner paged; compensating control in place', UpdatedBy: 'analyst@example.com' },
      ProductFields: expect.objectContaining({ 'dspm-bridge/sequence': '3' }),
    });
    const sent = peer.imports.at(-1)?.[0];
    expect(sent?.Severity).toBeUndefined();
    expect(sent?.Types).toBeUndefined();
  });

  it('suppresses a finding that opens already covered, and a suppression whose update came in the same batch', async () => {
    // Arrange
    const coveredAtOpen = story(103);
    const openedCovered = {
      ...coveredAtOpen.opened,
      status: 'suppressed' as const,
      exception: coveredAtOpen.suppressed.exception,
    };
    const collapsed = story(104);
    expect((await run([['data-store-finding-opened', collapsed.opened]])).batchItemFailures).toEqual([]);
    // Act
    const response = await run([
      ['data-store-finding-opened', openedCovered],
      ['data-store-finding-suppressed', collapsed.suppressed],
      ['data-store-finding-updated', collapsed.updated],
    ]);
    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(held(openedCovered)?.Workflow).toEqual({ Status: 'SUPPRESSED' });
    expect(held(collapsed.opened)).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      ProductFields: expect.objectContaining({ 'dspm-bridge/sequence': '3' }),
    });
  });

  it('fails the record when Security Hub does not process the workflow, and sets it on redelivery', async () => {
    // Arrange
    const { opened, suppressed } = story(105);
    expect((await run([['data-store-finding-opened', opened]])).batchItemFailures).toEqual([]);
    peer.refuseUpdate(opened.correlationId, 'LimitExceeded', 1);
    // Act: the import is taken, the workflow is not.
    const first = await run([['data-store-finding-suppressed', suppressed]]);
    // Assert
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(output).toContain('Security Hub did not set the workflow to SUPPRESSED: LimitExceeded');
    expect(output).toContain(opened.correlationId);
    expect(held(opened)?.Workflow).toEqual({ Status: 'NEW' });
    // Act again: SQS redelivers; Security Hub holds this very event, its workflow did not follow.
    const second = await run([['data-store-finding-suppressed', suppressed]]);
    expect(second.batchItemFailures).toEqual([]);
    expect(held(opened)?.Workflow).toEqual({ Status: 'SUPPRESSED' });
  });
});
