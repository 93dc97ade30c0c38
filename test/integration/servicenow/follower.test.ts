/**
 * The ServiceNow follower as deployed: the function bundle from a synthesized assembly, run the
 * way Lambda runs it, fed the SQS messages that the synthesized rule (pattern and message group)
 * delivers from a real EventBridge bus into a FIFO queue with the template's redrive policy (moto),
 * against the ServiceNow peer over HTTPS, with its progress table in DynamoDB (moto). Asserts on
 * the records the peer holds and the requests it saw, never on exit codes alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findingDetailSchema } from '#shared/events/contract.ts';
import { createBus, motoClients, uniqueName } from '../../helpers/aws.ts';
import { invokeBundle, type StagedBundle, stageBundle } from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { synthesize } from '../../helpers/stack.ts';
import { PEER_CA_FILE, type ServiceNowPeer, startServiceNowPeer } from '../../peers/servicenow/server.ts';

const USER = 'dspm.bridge';
const PASSWORD = 'peer-password-1';
const WRONG_PASSWORD = 'not-the-peer-password-9';
const TENANT = 'example.goskope.com';

type Resource = { Type: string; Properties: Record<string, unknown> };

type Transition = 'opened' | 'updated' | 'resolved' | 'suppressed' | 'unsuppressed';

/** The exception on suppressed events (the contract's object). */
const EXCEPTION = {
  exceptionId: 'exc-00000000000000a1',
  tenant: TENANT,
  scope: { findingId: `${TENANT}/data-store/0/finding/high-risk` },
  reason: 'risk-accepted',
  justification: 'Public by design: the bucket serves the product catalogue.',
  requestedBy: 'jane.analyst',
  approvedBy: 'ciso.office',
  createdAt: '2026-12-01T10:00:00.000Z',
  expiresAt: '2027-03-01T10:00:00.000Z',
  source: 'cli',
  revokedAt: null,
  revokedBy: null,
  revocation: null,
} as const;

/** A finding detail as the poller publishes it (validated against the contract below). */
function finding(
  store: number,
  transition: Transition,
  sequence: number,
  severity: 'medium' | 'high' | 'critical',
  extra: { previousSeverity?: string; baseline?: boolean; occurrence?: number; suppressed?: boolean } = {},
) {
  const at = new Date(Date.UTC(2026, 11, 1, 10, sequence)).toISOString();
  const occurrence = extra.occurrence ?? 1;
  const suppressed = extra.suppressed ?? transition === 'suppressed';
  return findingDetailSchema.parse({
    schemaVersion: '1',
    eventId: `${String(store).padStart(8, '0')}${String(sequence).padStart(8, '0')}`.padEnd(64, 'a'),
    findingId: `${TENANT}/data-store/${store}/finding/high-risk`,
    occurrence,
    correlationId: `${TENANT}/data-store/${store}/finding/high-risk/${occurrence}`,
    condition: 'high-risk',
    status: transition === 'resolved' ? 'resolved' : suppressed ? 'suppressed' : 'open',
    severity,
    previousSeverity: extra.previousSeverity ?? null,
    title: `Data store engineering-${store} has ${severity} risk`,
    openedAt: new Date(Date.UTC(2026, 11, 1, 10, 1)).toISOString(),
    resolvedAt: transition === 'resolved' ? at : null,
    resolution: transition === 'resolved' ? 'condition-cleared' : null,
    sequence,
    baseline: extra.baseline ?? false,
    tenant: TENANT,
    pollId: `poll-${sequence}`,
    observedAt: at,
    test: false,
    dataStore: {
      id: store,
      name: `engineering-${store}`,
      endpoint: `postgres-${store}.example.us-west-2.rds.amazonaws.com:5432/dev`,
      region: 'us-west-2',
      accountId: '123456789012',
      service: { id: 5, name: 'rdspostgres', displayName: 'Postgres' },
      infrastructureConnection: { id: 1, name: 'aws-demo', platform: 'AWS' },
      dataTags: [],
    },
    evidence: { data_store_risk_rating: severity === 'critical' ? 90 : severity === 'high' ? 80 : 30 },
    ...(suppressed || transition === 'unsuppressed'
      ? {
          exception: {
            ...EXCEPTION,
            scope: { findingId: `${TENANT}/data-store/${store}/finding/high-risk` },
          },
        }
      : {}),
  });
}

const DETAIL_TYPE = {
  opened: 'data-store-finding-opened',
  updated: 'data-store-finding-updated',
  resolved: 'data-store-finding-resolved',
  suppressed: 'data-store-finding-suppressed',
  unsuppressed: 'data-store-finding-unsuppressed',
} as const;

describe('the ServiceNow follower bundle against the ServiceNow peer', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const assembly = mkdtempSync(join(tmpdir(), 'dspm-bridge-servicenow-'));
  const busName = uniqueName('servicenow-bus');
  let peer: ServiceNowPeer;
  let bundle: StagedBundle;
  let env: Record<string, string>;
  let queueUrl: string;
  let queueArn: string;
  let deadLetterUrl: string;
  let wrongSecretId: string;
  const outputs: string[] = [];

  beforeAll(async () => {
    peer = await startServiceNowPeer({
      users: { [USER]: { password: PASSWORD, roles: ['itil', 'sn_si.analyst'] } },
    });
    const secretName = uniqueName('snow-credentials');
    const secret = await clients.secretsManager.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({ username: USER, password: PASSWORD }),
      }),
    );
    const { template } = synthesize(
      {
        eventBusName: busName,
        serviceNow: { instanceUrl: peer.url, customDomain: true, credentialsSecretArn: secret.ARN as string },
      },
      { bundle: true, outdir: assembly },
    );
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const [, fn] = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ServiceNowFollower'),
    ) as [string, Resource];
    const [, rule] = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::Events::Rule' && String(r.Properties.Description).includes('ServiceNow'),
    ) as [string, Resource];
    const queue = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::SQS::Queue' &&
        r.Properties.RedrivePolicy !== undefined &&
        r.Properties.VisibilityTimeout === 360,
    ) as Resource;
    bundle = stageBundle(
      join(assembly, `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`),
    );

    // The resources the template names, made in moto under names of our own.
    const tableName = uniqueName('servicenow-progress');
    await clients.dynamoDb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'correlationId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'correlationId', AttributeType: 'S' }],
      }),
    );
    const dlq = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName('servicenow-dlq')}.fifo`,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    deadLetterUrl = dlq.QueueUrl as string;
    const dlqArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    const redrive = queue.Properties.RedrivePolicy as { maxReceiveCount: number };
    const main = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName('servicenow')}.fifo`,
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'true',
          VisibilityTimeout: '0',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: redrive.maxReceiveCount,
          }),
        },
      }),
    );
    queueUrl = main.QueueUrl as string;
    queueArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
    wrongSecretId = (
      await clients.secretsManager.send(
        new CreateSecretCommand({
          Name: uniqueName('snow-wrong-credentials'),
          SecretString: JSON.stringify({ username: USER, password: WRONG_PASSWORD }),
        }),
      )
    ).ARN as string;
    await createBus(clients.eventBridge, busName);
    const ruleName = uniqueName('servicenow-rule');
    await clients.eventBridge.send(
      new PutRuleCommand({
        Name: ruleName,
        EventBusName: busName,
        EventPattern: JSON.stringify(rule.Properties.EventPattern),
      }),
    );
    const target = (rule.Properties.Targets as { SqsParameters: { MessageGroupId: string } }[])[0];
    await clients.eventBridge.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: queueArn, SqsParameters: target?.SqsParameters }],
      }),
    );
    const variables = {
      ...(fn.Properties.Environment as { Variables: Record<string, string> }).Variables,
      SERVICENOW_PROGRESS_TABLE: tableName,
      DEAD_LETTER_QUEUE_URL: deadLetterUrl,
    };
    env = {
      ...lambdaRuntimeEnvironment(
        {
          Environment: { Variables: variables },
          Handler: 'index.handler',
          FunctionName: 'servicenow-follower',
        },
        endpoint,
      ),
      // The peer's certificate, as a TLS-inspecting proxy's CA would be trusted.
      NODE_EXTRA_CA_CERTS: PEER_CA_FILE,
    };
  }, 300_000);

  afterAll(async () => {
    bundle?.remove();
    rmSync(assembly, { recursive: true, force: true });
    await peer?.close();
  });

  const publish = async (...events: { transition: keyof typeof DETAIL_TYPE; detail: object }[]) => {
    const result = await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((e) => ({
          EventBusName: busName,
          Source: 'netskope.dspm',
          DetailType: DETAIL_TYPE[e.transition],
          Detail: JSON.stringify(e.detail),
        })),
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
  };

  /** What the queue holds now, as Lambda's SQS event source hands it over (at most `max` messages). */
  const receive = async (max = 10): Promise<Message[]> => {
    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };
  const sqsEvent = (messages: Message[]): SQSEvent => ({
    Records: messages.map((m) => ({
      messageId: m.MessageId as string,
      receiptHandle: m.ReceiptHandle as string,
      body: m.Body as string,
      attributes: m.Attributes as never,
      messageAttributes: {},
      md5OfBody: m.MD5OfBody as string,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  });
  /** One invocation; what succeeded is deleted from the queue, as the event source does. */
  const invoke = async (messages: Message[], overrides: Record<string, string> = {}) => {
    const run = await invokeBundle(bundle, { ...env, ...overrides }, sqsEvent(messages));
    outputs.push(run.output);
    expect(run.ok, run.error?.message).toBe(true);
    const failed = new Set(
      ((run.result as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures ?? []).map(
        (f) => f.itemIdentifier,
      ),
    );
    for (const m of messages) {
      if (!failed.has(m.MessageId as string)) {
        await clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
    return { failed, output: run.output };
  };
  const recordOf = (store: number, key = '1') =>
    [...peer.records.values()].filter(
      (r) => r.correlation_id === `${TENANT}/data-store/${store}/finding/high-risk/${key}`,
    );
  const writes = (store: number) =>
    peer.requests.filter(
      (r) =>
        r.method !== 'GET' &&
        r.status < 300 &&
        (r.method === 'POST'
          ? (r.body as Record<string, string>).correlation_id?.includes(`/data-store/${store}/`)
          : recordOf(store).some((rec) => r.path.endsWith(rec.sys_id as string))),
    );

  it('keeps one record through opened (high), updated (critical) and resolved, with the documented mapping', async () => {
    // Arrange: 36 -> 80 -> 90 -> 30, as the poller reports it
    await publish(
      { transition: 'opened', detail: finding(1, 'opened', 1, 'high') },
      { transition: 'updated', detail: finding(1, 'updated', 2, 'critical', { previousSeverity: 'high' }) },
      { transition: 'resolved', detail: finding(1, 'resolved', 3, 'medium') },
    );
    // Act
    const { failed } = await invoke(await receive());
    // Assert
    expect(failed.size).toBe(0);
    const records = recordOf(1);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      state: '6',
      impact: '1',
      urgency: '1',
      priority: '1',
      close_code: 'Solution provided',
      correlation_display: 'dspm-bridge',
    });
    expect(records[0]?.close_notes).toContain('high-risk no longer holds');
    expect(records[0]?.work_notes).toContain('severity high -> critical');
    expect(writes(1).map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH']);
    expect(await receive()).toEqual([]);
  });

  it('changes nothing when EventBridge or SQS delivers the same event again', async () => {
    await publish({ transition: 'opened', detail: finding(2, 'opened', 1, 'critical') });
    const [message] = await receive();
    expect(message).toBeDefined();
    const event = [message as Message];
    // The same message handed over twice (a visibility timeout that ran out mid-batch).
    await invokeBundle(bundle, env, sqsEvent(event)).then((run) => outputs.push(run.output));
    const again = await invoke(event);
    expect(again.failed.size).toBe(0);
    expect(recordOf(2)).toHaveLength(1);
    expect(writes(2).map((r) => r.method)).toEqual(['POST']);
    expect(again.output).toContain('already-applied');
  });

  it('creates one record when two deliveries of one event run at once', async () => {
    await publish({ transition: 'opened', detail: finding(3, 'opened', 1, 'high') });
    const [message] = await receive();
    const event = sqsEvent([message as Message]);
    // Act: two invocations at the same time, each answer slow enough that both would be between
    // their lookup and their create together; then whatever failed retried, as SQS would.
    peer.setLatency(1500);
    const runs = await Promise.all([invokeBundle(bundle, env, event), invokeBundle(bundle, env, event)]);
    peer.setLatency(0);
    for (const run of runs) outputs.push(run.output);
    const failures = runs.flatMap(
      (run) => (run.result as { batchItemFailures: unknown[] }).batchItemFailures,
    ).length;
    if (failures > 0) await invoke([message as Message]);
    // Assert
    expect(recordOf(3)).toHaveLength(1);
    expect(
      peer.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes('/data-store/3/')),
    ).toHaveLength(1);
  });

  it('never lets an older event take a record back: resolved, then a late update, stays resolved', async () => {
    await publish({ transition: 'opened', detail: finding(4, 'opened', 1, 'high') });
    await invoke(await receive());
    const late = finding(4, 'updated', 2, 'critical', { previousSeverity: 'high' });
    await publish({ transition: 'resolved', detail: finding(4, 'resolved', 3, 'medium') });
    await invoke(await receive());
    await publish({ transition: 'updated', detail: late });
    const { output } = await invoke(await receive());
    expect(recordOf(4)).toHaveLength(1);
    expect(recordOf(4)[0]).toMatchObject({ state: '6', impact: '1', urgency: '2' });
    expect(writes(4).map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(output).toContain('"why":"stale"');
  });

  it("creates nothing for a resolve with no record, nor for that occurrence's late opened event", async () => {
    await publish({ transition: 'resolved', detail: finding(5, 'resolved', 2, 'medium') });
    await invoke(await receive());
    await publish({ transition: 'opened', detail: finding(5, 'opened', 1, 'high') });
    await invoke(await receive());
    expect(recordOf(5)).toEqual([]);
  });

  it('follows no baseline occurrence: the rule does not deliver it', async () => {
    await publish({ transition: 'opened', detail: finding(6, 'opened', 1, 'critical', { baseline: true }) });
    expect(await receive()).toEqual([]);
  });

  it('retries while ServiceNow is down, then the message waits in the dead-letter queue', async () => {
    peer.down(Number.POSITIVE_INFINITY);
    await publish({ transition: 'opened', detail: finding(7, 'opened', 1, 'high') });
    let attempts = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const messages = await receive();
        if (messages.length === 0) break;
        attempts++;
        const { failed } = await invoke(messages);
        expect(failed.size).toBe(1);
        // Back at once, instead of after the visibility timeout.
        for (const m of messages) {
          await clients.sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
      }
    } finally {
      // Up again whatever happened, so the tests after this one see a working instance.
      peer.recover();
    }
    expect(attempts).toBe(8);
    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(Messages?.map((m) => JSON.parse(m.Body as string).detail.dataStore.id)).toEqual([7]);
    expect(recordOf(7)).toEqual([]);
    // Eight invocations, each retrying its calls with backoff: slow on a loaded machine.
  }, 240_000);

  /** The error lines of one invocation's output, parsed. */
  const errorLines = (output: string) =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 'ERROR');
  const notVisible = async () =>
    (
      await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes?.ApproximateNumberOfMessagesNotVisible;
  /** Puts a message back at once, as if its visibility timeout had run out. */
  const release = async (messages: Message[]) => {
    for (const m of messages) {
      await clients.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
  };

  it("logs one line per failed record with a wrong password: 401 twice, ServiceNow's message and the transaction id", async () => {
    // Arrange
    await publish({ transition: 'opened', detail: finding(8, 'opened', 1, 'high') });
    const messages = await receive();
    const seen = peer.requests.length;
    // Act
    const { failed, output } = await invoke(messages, { SERVICENOW_CREDENTIALS_SECRET_ID: wrongSecretId });
    // Assert: read once, read again after the first 401 (a rotated password), then given up.
    const answers = peer.requests.slice(seen);
    expect(answers.map((r) => r.status)).toEqual([401, 401]);
    expect(failed.size).toBe(1);
    const lines = errorLines(output);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'finding not applied to ServiceNow; the message goes back to the queue',
      correlationId: `${TENANT}/data-store/8/finding/high-risk/1`,
      status: 401,
      serviceNowMessage: 'User Not Authenticated',
      serviceNowDetail: 'Required to provide Auth information',
      transactionId: answers[1]?.transactionId,
    });
    expect(output).not.toContain(WRONG_PASSWORD);
    expect(output).not.toContain(Buffer.from(`${USER}:${WRONG_PASSWORD}`).toString('base64'));
    // The right password applies it.
    await release(messages);
    await invoke(await receive());
    expect(recordOf(8)).toHaveLength(1);
  });

  it('logs one line per failed record while ServiceNow answers 503, and one for each record skipped behind it', async () => {
    // Arrange: two events of one FIFO group; the instance is down.
    await publish(
      { transition: 'opened', detail: finding(9, 'opened', 1, 'high') },
      { transition: 'opened', detail: finding(10, 'opened', 1, 'high') },
    );
    const messages = await receive();
    expect(messages).toHaveLength(2);
    peer.down(Number.POSITIVE_INFINITY);
    const seen = peer.requests.length;
    // Act
    const { failed, output } = await invoke(messages);
    peer.recover();
    // Assert
    expect(failed.size).toBe(2);
    const answers = peer.requests.slice(seen);
    expect(answers.length).toBeGreaterThan(1);
    expect(answers.every((r) => r.status === 503)).toBe(true);
    const lines = errorLines(output);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      messageId: messages[0]?.MessageId,
      correlationId: `${TENANT}/data-store/9/finding/high-risk/1`,
      status: 503,
      serviceNowMessage: 'Service Unavailable',
      serviceNowDetail: 'The instance is unavailable',
      transactionId: answers.at(-1)?.transactionId,
      retryable: true,
    });
    expect(lines[1]).toMatchObject({
      messageId: messages[1]?.MessageId,
      message: expect.stringContaining('an earlier message of its FIFO group failed'),
    });
    await release(messages);
    await invoke(await receive());
    expect(recordOf(9)).toHaveLength(1);
    expect(recordOf(10)).toHaveLength(1);
  });

  it('waits out a Retry-After of 300 s: the message is hidden for it, not retried early', async () => {
    // Arrange
    await publish({ transition: 'opened', detail: finding(11, 'opened', 1, 'high') });
    const messages = await receive();
    expect(messages).toHaveLength(1);
    peer.throttle(1, 300);
    const seen = peer.requests.length;
    // Act
    const { failed, output } = await invoke(messages);
    // Assert: one request, no retry within the invocation, and the message hidden although the
    // queue's own visibility timeout here is 0 s.
    expect(peer.requests.slice(seen).map((r) => r.status)).toEqual([429]);
    expect(failed.size).toBe(1);
    expect(errorLines(output)).toEqual([
      expect.objectContaining({ status: 429, retryAfterSeconds: 300, visibilityTimeoutSeconds: 300 }),
    ]);
    expect(await receive()).toEqual([]);
    expect(await notVisible()).toBe('1');
    // When the window resets, it is applied.
    peer.recover();
    await release(messages);
    await invoke(await receive());
    expect(recordOf(11)).toHaveLength(1);
    expect(await notVisible()).toBe('0');
  });

  it('closes the record with the exception on -suppressed, writes nothing while suppressed, and opens a new record on -unsuppressed', async () => {
    // Arrange: open, then an exception covers it, a severity change while suppressed, it ends.
    await publish({ transition: 'opened', detail: finding(12, 'opened', 1, 'high') });
    await invoke(await receive());
    await publish(
      { transition: 'suppressed', detail: finding(12, 'suppressed', 2, 'high') },
      {
        transition: 'updated',
        detail: finding(12, 'updated', 3, 'critical', { previousSeverity: 'high', suppressed: true }),
      },
    );
    // Act
    const { output } = await invoke(await receive());
    // Assert: resolved with the suppression close code, the exception in the close notes.
    const [first] = recordOf(12);
    expect(first).toMatchObject({
      state: '6',
      close_code: 'No resolution provided',
      impact: '1',
      urgency: '2',
    });
    expect(first?.close_notes).toContain(
      'exception exc-00000000000000a1 (risk-accepted; requested by jane.analyst, approved by ciso.office; until 2027-03-01T10:00:00.000Z)',
    );
    expect(first?.close_notes).toContain('Justification: Public by design');
    expect(output).toContain('"why":"suppressed"');
    // Act: the exception ends while the condition holds; then a severity change.
    await publish({ transition: 'unsuppressed', detail: finding(12, 'unsuppressed', 4, 'critical') });
    await invoke(await receive());
    await publish({
      transition: 'updated',
      detail: finding(12, 'updated', 5, 'high', { previousSeverity: 'critical' }),
    });
    await invoke(await receive());
    // Assert: a new record for round 2; the closed one was never written again.
    expect(recordOf(12)).toEqual([first]);
    const [second] = recordOf(12, '1/r2');
    expect(second).toMatchObject({ state: '1', impact: '1', urgency: '2' });
    expect(second?.work_notes).toContain('holds again after its exception ended');
    expect(
      writes(12)
        .filter((r) => r.path.endsWith(first?.sys_id as string))
        .map((r) => r.method),
    ).toEqual(['PATCH']);
  });

  it('writes nothing more to a record a person closed "Risk Accepted": not on -suppressed, not on -updated', async () => {
    // Arrange: the record exists; a person resolves it (the decision the sync reads back).
    await publish({ transition: 'opened', detail: finding(14, 'opened', 1, 'high') });
    await invoke(await receive());
    const [record] = recordOf(14);
    const closed = {
      ...(peer.records.get(record?.sys_id as string) as Record<string, string>),
      state: '6',
      close_code: 'Risk Accepted',
      close_notes: 'Accepted by the data owner.',
    };
    peer.records.set(record?.sys_id as string, closed);
    // Act: the exception the decision became reaches the next poll, then severity moves.
    await publish(
      { transition: 'suppressed', detail: finding(14, 'suppressed', 2, 'high') },
      {
        transition: 'updated',
        detail: finding(14, 'updated', 3, 'critical', { previousSeverity: 'high', suppressed: true }),
      },
    );
    const { failed } = await invoke(await receive());
    // Assert
    expect(failed.size).toBe(0);
    expect(writes(14).map((r) => r.method)).toEqual(['POST']);
    expect(peer.records.get(record?.sys_id as string)).toEqual(closed);
  });

  it('opens no record for a finding that opens already suppressed', async () => {
    await publish({
      transition: 'opened',
      detail: finding(13, 'opened', 1, 'critical', { suppressed: true }),
    });
    const { output } = await invoke(await receive());
    expect(recordOf(13)).toEqual([]);
    expect(output).toContain('"why":"suppressed"');
  });

  describe('on sn_si_incident', () => {
    // What the stack writes for `"table": "sn_si_incident"` (test/infra/servicenow-follower.test.ts).
    const sir = {
      SERVICENOW_TABLE: 'sn_si_incident',
      SERVICENOW_CLOSE_CODE: 'Threat mitigated',
      SERVICENOW_SUPPRESSED_CLOSE_CODE: 'Not resolved',
    };
    const sirRecords = (store: number, key = '1') =>
      recordOf(store, key).filter((r) => r.sys_class_name === 'sn_si_incident');

    it('opens, updates, resolves through Review to Closed, and re-opens as a new record', async () => {
      // Act
      await publish(
        { transition: 'opened', detail: finding(20, 'opened', 1, 'high') },
        {
          transition: 'updated',
          detail: finding(20, 'updated', 2, 'critical', { previousSeverity: 'high' }),
        },
      );
      await invoke(await receive(), sir);
      const [open] = sirRecords(20);
      // Assert: SIR's first state and its own severity beside impact and urgency.
      expect(open).toMatchObject({
        state: '10',
        severity: '1',
        impact: '1',
        urgency: '1',
        number: expect.stringMatching(/^SIR/),
      });
      await publish({ transition: 'resolved', detail: finding(20, 'resolved', 3, 'medium') });
      await invoke(await receive(), sir);
      const [closed] = sirRecords(20);
      expect(closed).toMatchObject({
        state: '3',
        close_code: 'Threat mitigated',
        closed_by: peer.userSysId(USER),
      });
      expect(closed?.close_notes).toContain('high-risk no longer holds');
      const states = peer.requests
        .filter((r) => r.method === 'PATCH' && r.path.endsWith(closed?.sys_id as string))
        .map((r) => (r.body as Record<string, string>).state);
      expect(states).toEqual([undefined, '100', '3']);
      // Act: the condition holds again: occurrence 2.
      await publish({ transition: 'opened', detail: finding(20, 'opened', 4, 'high', { occurrence: 2 }) });
      await invoke(await receive(), sir);
      // Assert
      expect(sirRecords(20, '2')).toEqual([expect.objectContaining({ state: '10', severity: '1' })]);
      expect(sirRecords(20)).toEqual([closed]);
      expect(recordOf(20).filter((r) => r.sys_class_name === 'incident')).toEqual([]);
    });

    it("closes a suppressed finding with SIR's close code and opens round 2 on unsuppress", async () => {
      await publish({ transition: 'opened', detail: finding(21, 'opened', 1, 'high') });
      await invoke(await receive(), sir);
      await publish({ transition: 'suppressed', detail: finding(21, 'suppressed', 2, 'high') });
      await invoke(await receive(), sir);
      expect(sirRecords(21)).toEqual([expect.objectContaining({ state: '3', close_code: 'Not resolved' })]);
      await publish({ transition: 'unsuppressed', detail: finding(21, 'unsuppressed', 3, 'high') });
      await invoke(await receive(), sir);
      expect(sirRecords(21, '1/r2')).toEqual([expect.objectContaining({ state: '10' })]);
    });
  });

  it('never writes the password or the basic auth header to its output', () => {
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});
