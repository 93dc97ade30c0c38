/**
 * A first deploy before the token is set: the token secret holds the placeholder the stack
 * generates (in Secrets Manager in moto), and the three Lambda handlers run as deployed. None
 * calls DSPM, each says once which secret to fill and with what command, counts `TokenNotSet`,
 * and ends without an error (no Lambda retry, no error alarm); the tagger holds its records back
 * instead of letting them burn their receives into the dead-letter queue.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_PLACEHOLDER_GENERATION } from '#shared/dspm/token-placeholder.ts';
import type { RunningSimulator } from '#simulator/server.ts';
import { captureProcessOutput, fakeContext, uniqueName } from '../../helpers/aws.ts';
import { metricValues } from '../../helpers/metrics.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';

type Handler<E, R> = (event: E, context: ReturnType<typeof fakeContext>) => Promise<R>;

/** The value Secrets Manager generates from the stack's template: the marker and a random filler. */
function placeholderValue(): string {
  const template = JSON.parse(TOKEN_PLACEHOLDER_GENERATION.secretStringTemplate) as object;
  return JSON.stringify({
    ...template,
    [TOKEN_PLACEHOLDER_GENERATION.generateStringKey]: 'q8ZRt2LmVx0KbN4w',
  });
}

describe('the Lambdas before the token is set', () => {
  let bridge: MotoBridge;
  let clients: MotoBridge['clients'];
  let sim: RunningSimulator;
  let secretId: string;
  let intakeUrl: string;
  let deadLetterUrl: string;
  let intakeArn: string;
  let output: string[] = [];

  const warnings = (from: number) =>
    output
      .slice(from)
      .join('')
      .split('\n')
      .filter((line) => line.includes('"level":"WARN"'));

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'unset',
      simulator: { tokens: [{ token: 'the-real-token-9f1c', access: 'read-write' }] },
      secret: placeholderValue(),
    });
    ({ clients, sim, secretId } = bridge);
    const fifo = async (name: string, attributes: Record<string, string> = {}) => {
      const { QueueUrl } = await clients.sqs.send(
        new CreateQueueCommand({
          QueueName: `${uniqueName(name)}.fifo`,
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', ...attributes },
        }),
      );
      if (!QueueUrl) throw new Error('moto returned no queue URL');
      return QueueUrl;
    };
    deadLetterUrl = await fifo('unset-dlq');
    const { Attributes: dlq } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
    );
    // A one-second visibility timeout and one receive before the dead-letter queue: a record not
    // held would be back (and dead-lettered on its next receive) within a second or two.
    intakeUrl = await fifo('unset-intake', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq?.QueueArn, maxReceiveCount: 1 }),
    });
    const { Attributes: intake } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: intakeUrl, AttributeNames: ['QueueArn'] }),
    );
    intakeArn = intake?.QueueArn ?? '';
    bridge.setEnv({ DEAD_LETTER_QUEUE_URL: deadLetterUrl });
    output = captureProcessOutput();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  /** Asserts the one warning line of a run that found the token not set. */
  function expectOneTokenNotSetLine(from: number, doing: RegExp) {
    const lines = warnings(from);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as { message: string; secretId: string; command: string };
    expect(entry.message).toContain(
      `the Netskope API token is not set: secret ${secretId} still holds the placeholder`,
    );
    expect(entry.message).toContain(
      `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"token":"<token>"}'`,
    );
    expect(entry.message).toMatch(doing);
    expect(entry).toMatchObject({ secretId });
  }

  it('the poller makes no DSPM call, says so once, counts TokenNotSet and returns normally', async () => {
    // Arrange
    const { handler } = (await import('../../../functions/poll-data-stores.ts')) as {
      handler: Handler<unknown, unknown>;
    };
    sim.clearRequests();
    const from = output.length;
    // Act
    const tenant = new URL(sim.url).host;
    const result = await handler(
      { step: 'chunk', tenant, runId: `execution/${tenant}` },
      fakeContext('dspm-bridge-poller'),
    );
    // Assert: the workflow's Choice ends the tenant's branch on this status, without a failure.
    expect(result).toEqual({ status: 'token-not-set', tenant, runId: `execution/${tenant}` });
    expect(sim.requests).toEqual([]);
    expectOneTokenNotSetLine(from, /chunk skipped/);
    expect(metricValues(output.slice(from), 'TokenNotSet')).toEqual([1]);
    expect(metricValues(output.slice(from), 'PollsCompleted')).toEqual([]);
  });

  it('the coverage sweep makes no DSPM call, says so once, counts TokenNotSet and returns normally', async () => {
    const { handler } = (await import('../../../functions/sweep-coverage.ts')) as {
      handler: Handler<unknown, unknown>;
    };
    sim.clearRequests();
    const from = output.length;
    const result = await handler({}, fakeContext('dspm-bridge-coverage'));
    expect(result).toEqual({ status: 'token-not-set' });
    expect(sim.requests).toEqual([]);
    expectOneTokenNotSetLine(from, /coverage sweep skipped/);
    expect(metricValues(output.slice(from), 'TokenNotSet')).toEqual([1]);
    expect(metricValues(output.slice(from), 'SweepsCompleted')).toEqual([]);
  });

  it('the tagger holds its records back as batch item failures, and dead-letters none', async () => {
    // Arrange: two backup events in the intake queue, received as the Lambda service receives them.
    const { handler } = (await import('../../../functions/tag-unprotected.ts')) as {
      handler: Handler<SQSEvent, { batchItemFailures: { itemIdentifier: string }[] }>;
    };
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: intakeUrl,
        Entries: [1, 2].map((n) => ({
          Id: String(n),
          MessageGroupId: 'aws-backup',
          MessageBody: JSON.stringify({
            source: 'aws.backup',
            'detail-type': 'Backup Job State Change',
            id: `e${n}`,
          }),
        })),
      }),
    );
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: intakeUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(2);
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'events',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: 'aws-backup',
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: intakeArn,
        awsRegion: 'us-east-1',
      })),
    };
    sim.clearRequests();
    const from = output.length;
    // Act
    const response = await handler(event, fakeContext('dspm-bridge-tagger'));
    // Assert: every record is a batch item failure, none was attempted, the run said why once.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
    expect(sim.requests).toEqual([]);
    expectOneTokenNotSetLine(from, /2 backup events held for 3 h/);
    expect(metricValues(output.slice(from), 'TokenNotSet')).toEqual([1]);
    expect(metricValues(output.slice(from), 'BackupEventsFailed')).toEqual([]);
    // Past the queue's own one-second timeout the records are still held: not back in the queue,
    // not in the dead-letter queue.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const again = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: intakeUrl, MaxNumberOfMessages: 10 }),
    );
    expect(again.Messages ?? []).toEqual([]);
    const dead = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10 }),
    );
    expect(dead.Messages ?? []).toEqual([]);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: intakeUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('2');
  });

  it('never prints the placeholder filler', () => {
    expect(output.join('')).not.toContain('q8ZRt2LmVx0KbN4w');
  });
});
