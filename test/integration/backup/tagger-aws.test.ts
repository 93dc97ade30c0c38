/**
 * The tagger Lambda with real AWS APIs (moto): backup events are put on a bus, a rule delivers
 * them to an SQS FIFO queue, the messages received from it become the Lambda's SQS event, and the
 * handler runs in-process against the simulator, DynamoDB state and a dead-letter queue.
 */
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningSimulator } from '#simulator/server.ts';
import {
  captureProcessOutput,
  fakeContext,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import {
  awsBackupJobEvent,
  ENGINEERING_ARN,
  genericBackupEvent,
  PRODUCTION_ARN,
} from '../../helpers/backup-events.ts';
import { metricValues } from '../../helpers/metrics.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { runTenantBranch } from '../../helpers/poll-workflow.ts';

const TOKEN = 'tagger-suite-token-6a1e88';

describe('the tagger Lambda on AWS (moto)', () => {
  let bridge: MotoBridge;
  let clients: MotoBridge['clients'];
  let busName: string;
  let sim: RunningSimulator;
  let queueUrl: string;
  let deadLetterUrl: string;
  let protectionSpy: SpyQueue;
  let handler: (
    event: SQSEvent,
    context: ReturnType<typeof fakeContext>,
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  let pollHandler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<unknown>;
  let output: string[] = [];

  async function fifoQueue(name: string): Promise<string> {
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    if (!QueueUrl) throw new Error('moto returned no queue URL');
    return QueueUrl;
  }

  /** Puts backup events on the bus and returns them as the SQS event the Lambda would get. */
  async function deliver(events: object[]): Promise<SQSEvent> {
    await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((event) => {
          const e = event as { source: string; 'detail-type': string; detail: object; time?: string };
          return {
            EventBusName: busName,
            Source: e.source,
            DetailType: e['detail-type'],
            Detail: JSON.stringify(e.detail),
          };
        }),
      }),
    );
    const messages: Message[] = [];
    for (;;) {
      const { Messages } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) break;
      messages.push(...Messages);
      // In-flight FIFO messages hold back their group; the Lambda service deletes them after the
      // batch, and the test replays failed records itself, so they go now.
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'events',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: m.Attributes?.MessageGroupId ?? 'backup',
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:tagger.fifo',
        awsRegion: 'us-east-1',
      })),
    };
  }

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'tagger',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: TOKEN,
      env: { DSPM_RATE_LIMIT_RPS: '1000', BACKUP_EVENT_SOURCES: 'com.veeam.backup' },
    });
    ({ clients, busName, sim } = bridge);
    queueUrl = await fifoQueue(uniqueName('tagger'));
    deadLetterUrl = await fifoQueue(uniqueName('tagger-dlq'));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const rule = uniqueName('backup-events');
    await clients.eventBridge.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: busName,
        EventPattern: JSON.stringify({ source: ['aws.backup', 'com.veeam.backup'] }),
      }),
    );
    await clients.eventBridge.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: busName,
        Targets: [{ Id: 'tagger', Arn: Attributes?.QueueArn, SqsParameters: { MessageGroupId: 'backup' } }],
      }),
    );
    protectionSpy = await spyOnRule(clients, busName, uniqueName('protection'), {
      source: ['netskope.dspm'],
      'detail-type': ['data-store-protection-changed'],
    });
    bridge.setEnv({ DEAD_LETTER_QUEUE_URL: deadLetterUrl });
    output = captureProcessOutput();
    ({ handler } = await import('../../../functions/tag-unprotected.ts'));
    ({ handler: pollHandler } = await import('../../../functions/poll-data-stores.ts'));
    // The poller's baseline puts the stores in the state table, with their endpoint and resource keys.
    await runTenantBranch(pollHandler, { tenant: new URL(sim.url).host });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  it('tags, dead-letters and acknowledges in one batch, failing nothing', async () => {
    // Arrange: a failed job for store 1 (found through the resource index), a malformed generic
    // event, an event about a resource DSPM does not know, and an AWS Backup event that changes nothing.
    const sqsEvent = await deliver([
      awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'),
      genericBackupEvent({ dataStoreId: 2, reason: 'NOT_ENROLLED' }),
      awsBackupJobEvent('FAILED', 'arn:aws:rds:eu-west-1:999999999999:db:elsewhere', '2026-11-22T10:00:00Z'),
      awsBackupJobEvent('RUNNING', PRODUCTION_ARN, '2026-11-22T10:00:00Z'),
    ]);
    expect(sqsEvent.Records).toHaveLength(4);
    // Act
    const response = await handler(sqsEvent, fakeContext('dspm-bridge-tagger'));
    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    const unprotected = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
    expect(sim.tenant.getStore(1)?.data_tags).toEqual([unprotected?.id]);
    expect(sim.tenant.getStore(2)?.data_tags).toEqual([]);
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([]);

    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages?.[0]?.MessageAttributes?.reason?.StringValue).toMatch(
      /^not a backup event: detail\.protected: expected boolean, got nothing \(field missing\) \(SQS message .+\)$/,
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '{}').detail).toMatchObject({ dataStoreId: 2 });

    const published = await protectionSpy.drain();
    expect(published.map((e) => (e.detail.dataStore as { id: number }).id)).toEqual([1]);
    const metrics = output.filter((line) => line.includes('"_aws"')).join('\n');
    for (const name of [
      'BackupEventsApplied',
      'MalformedBackupEvents',
      'UnknownResources',
      'IgnoredBackupEvents',
      'TagsAdded',
    ]) {
      expect(metrics).toContain(`"${name}"`);
    }
  });

  it('reports a record DSPM could not take as a batch item failure, with the rest of its group', async () => {
    // Arrange: every PUT fails for now; two events in the queue's one message group.
    sim.faults.add({ kind: 'status', status: 503, count: 100, match: { method: 'PUT' } });
    const sqsEvent = await deliver([
      awsBackupJobEvent('COMPLETED', ENGINEERING_ARN, '2026-11-22T11:00:00Z'),
      awsBackupJobEvent('FAILED', PRODUCTION_ARN, '2026-11-22T11:00:00Z'),
    ]);
    expect(sqsEvent.Records).toHaveLength(2);
    try {
      // Act
      const outputBefore = output.length;
      const response = await handler(sqsEvent, fakeContext('dspm-bridge-tagger'));
      // Assert: both are retried later; nothing was recorded as applied; the failures are counted
      // for the TaggerRecordFailures alarm.
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
        sqsEvent.Records.map((r) => r.messageId).sort(),
      );
      expect(metricValues(output.slice(outputBefore), 'BackupEventsFailed')).toEqual([2]);
    } finally {
      sim.faults.clear();
    }
    // The redelivery goes through.
    const retried = await handler(sqsEvent, fakeContext('dspm-bridge-tagger'));
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(sim.tenant.getStore(1)?.data_tags).toEqual([]);
    expect(sim.tenant.getStore(3)?.data_tags).toHaveLength(1);
  });

  it('keeps the token out of every log line and event', async () => {
    expect(output.join('')).not.toContain(TOKEN);
    expect(JSON.stringify(await protectionSpy.drain())).not.toContain(TOKEN);
  });
});
