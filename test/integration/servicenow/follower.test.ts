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
const TENANT = 'example.goskope.com';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** A finding detail as the poller publishes it (validated against the contract below). */
function finding(
  store: number,
  transition: 'opened' | 'updated' | 'resolved',
  sequence: number,
  severity: 'medium' | 'high' | 'critical',
  extra: { previousSeverity?: string; baseline?: boolean } = {},
) {
  const at = new Date(Date.UTC(2026, 11, 1, 10, sequence)).toISOString();
  return findingDetailSchema.parse({
    schemaVersion: '1',
    eventId: `${String(store).padStart(8, '0')}${String(sequence).padStart(8, '0')}`.padEnd(64, 'a'),
    findingId: `${TENANT}/data-store/${store}/finding/high-risk`,
    occurrence: 1,
    correlationId: `${TENANT}/data-store/${store}/finding/high-risk/1`,
    condition: 'high-risk',
    status: transition === 'resolved' ? 'resolved' : 'open',
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
  });
}

const DETAIL_TYPE = {
  opened: 'data-store-finding-opened',
  updated: 'data-store-finding-updated',
  resolved: 'data-store-finding-resolved',
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
  let deadLetterUrl: string;
  const outputs: string[] = [];

  beforeAll(async () => {
    peer = await startServiceNowPeer();
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
        serviceNow: { instanceUrl: peer.url, credentialsSecretArn: secret.ARN as string },
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
    const queueArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
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
  }, 120_000);

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
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:servicenow.fifo',
      awsRegion: 'us-east-1',
    })),
  });
  /** One invocation; what succeeded is deleted from the queue, as the event source does. */
  const invoke = async (messages: Message[]) => {
    const run = await invokeBundle(bundle, env, sqsEvent(messages));
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
  const recordOf = (store: number) =>
    [...peer.records.values()].filter(
      (r) => r.correlation_id === `${TENANT}/data-store/${store}/finding/high-risk/1`,
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
    peer.recover();
    expect(attempts).toBe(8);
    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(Messages?.map((m) => JSON.parse(m.Body as string).detail.dataStore.id)).toEqual([7]);
    expect(recordOf(7)).toEqual([]);
  });

  it('never writes the password or the basic auth header to its output', () => {
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});
