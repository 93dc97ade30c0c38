/**
 * One behaviour for a malformed SQS record in every queue handler (shared/aws/sqs-intake.ts,
 * docs/reliability.md "Malformed records"): with a dead-letter queue it is parked there with its
 * reason and acknowledged, and the batch goes on; without one it is a batch item failure, never
 * acknowledged, so the queue's redrive policy moves it. Either way one error line names the
 * message id and the reason. The handlers run in-process against moto's SQS and Secrets Manager.
 */
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Environment } from '#shared/config/env.ts';
import {
  captureProcessOutput,
  createSecret,
  fakeContext,
  motoClients,
  motoEnvironment,
  uniqueName,
  useEnvironment,
} from '../../helpers/aws.ts';

type Handler = (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;

/** One queue handler: how to build it from an environment, and what a malformed record is not. */
interface HandlerKind {
  readonly name: string;
  readonly create: (env: Environment) => Promise<Handler>;
  readonly expected: string;
}

const HANDLERS: readonly HandlerKind[] = [
  {
    name: 'the tagger',
    expected: 'backup event',
    create: async (env) => (await import('../../../functions/tag-unprotected.ts')).createTagHandler(env),
  },
  {
    name: 'the ServiceNow follower',
    expected: 'finding event',
    create: async (env) =>
      (await import('../../../functions/follow-servicenow.ts')).createServiceNowHandler(env),
  },
  {
    name: 'the Slack notifier',
    expected: 'finding event',
    create: async (env) => (await import('../../../functions/notify-slack.ts')).createSlackHandler(env),
  },
  {
    name: 'the Security Hub export',
    expected: 'finding event',
    create: async (env) =>
      (await import('../../../functions/export-security-hub.ts')).createSecurityHubHandler(env),
  },
];

/** A body each handler must refuse: JSON, but no event of any kind; and one that is not JSON. */
const MALFORMED_BODIES = [
  ['an object that is no event', JSON.stringify({ 'detail-type': 'data-store-finding-opened', id: 'x' })],
  ['text that is not JSON', '{"version": "0",'],
] as const;

function sqsEvent(messageId: string, body: string): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: `handle-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1764000000000',
          SenderId: 'events',
          ApproximateFirstReceiveTimestamp: '1764000000000',
          MessageGroupId: 'findings',
          MessageDeduplicationId: messageId,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:intake.fifo',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

describe('a malformed SQS record, in every queue handler', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  let restoreEnv: () => void;
  let output: string[] = [];
  /** Every variable the four handlers need, without a dead-letter queue. */
  let baseEnv: Environment;

  beforeAll(async () => {
    const tokenSecretId = await createSecret(clients.secretsManager, 'intake-suite-token-3f9c1d');
    baseEnv = {
      ...motoEnvironment(endpoint),
      DSPM_TENANT_URL: 'https://tenant.invalid',
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_API_TOKEN_SECRET_ID: tokenSecretId,
      EVENT_BUS_NAME: uniqueName('intake-bus'),
      STATE_TABLE_NAME: uniqueName('intake-state'),
      SERVICENOW_INSTANCE_URL: 'https://servicenow.invalid',
      SERVICENOW_CREDENTIALS_SECRET_ID: tokenSecretId,
      SERVICENOW_PROGRESS_TABLE: uniqueName('intake-progress'),
      SLACK_CHANNEL: '#findings',
      SLACK_TOKEN_SECRET_ID: tokenSecretId,
      SECURITY_HUB_PRODUCT_ARN: 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    };
    // Each module builds its own `handler` from process.env when imported.
    restoreEnv = useEnvironment(baseEnv as Record<string, string>);
    output = captureProcessOutput();
  });

  afterAll(() => {
    vi.restoreAllMocks();
    restoreEnv();
  });

  /** The error lines (Powertools JSON) that name this message id. */
  const errorLinesFor = (messageId: string) =>
    output
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{') && line.includes(messageId))
      .map((line) => JSON.parse(line) as { level: string; message: string; reason?: string })
      .filter((line) => line.level === 'ERROR');

  describe.each(HANDLERS)('$name', ({ name, create, expected }) => {
    it.each(MALFORMED_BODIES)(
      'parks %s in the dead-letter queue with one reason line, and acknowledges it',
      async (_what, body) => {
        // Arrange
        const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
        const handler = await create({ ...baseEnv, DEAD_LETTER_QUEUE_URL: QueueUrl });
        const messageId = uniqueName(name.replaceAll(' ', '-'));
        // Act
        const response = await handler(sqsEvent(messageId, body), fakeContext());
        // Assert
        expect(response).toEqual({ batchItemFailures: [] });
        const { Messages } = await clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
        );
        expect(Messages?.map((m) => m.Body)).toEqual([body]);
        const reason = Messages?.[0]?.MessageAttributes?.reason?.StringValue;
        expect(reason).toMatch(new RegExp(`^not a ${expected}: .+ \\(SQS message ${messageId}\\)$`));
        const lines = errorLinesFor(messageId);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({
          message: expect.stringMatching(/^malformed record parked/),
          reason,
        });
      },
    );

    it('fails a malformed record when there is no dead-letter queue, so the redrive policy moves it', async () => {
      // Arrange
      const handler = await create(baseEnv);
      const messageId = uniqueName(name.replaceAll(' ', '-'));
      // Act
      const response = await handler(sqsEvent(messageId, MALFORMED_BODIES[0][1]), fakeContext());
      // Assert
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: messageId }] });
      const lines = errorLinesFor(messageId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        message: expect.stringMatching(/^malformed record not parked/),
        reason: expect.stringMatching(new RegExp(`^not a ${expected}: .+ \\(SQS message ${messageId}\\)$`)),
      });
    });
  });
});
