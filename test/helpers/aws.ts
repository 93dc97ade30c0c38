/**
 * AWS resources in moto for integration tests: a bus with rules delivering to SQS "spy" queues
 * (moto cannot invoke a Lambda target), the state table as the stack defines it, a secret.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { AUDIT_TABLE, STATE_TABLE } from '#shared/state/table-design.ts';
import { MOTO_AWS } from './moto.ts';

/** Clients pointed at moto. SQS gets the endpoint explicitly: it would otherwise follow queue URLs. */
export function motoClients(endpoint: string) {
  const config = { ...MOTO_AWS, endpoint };
  return {
    eventBridge: new EventBridgeClient(config),
    dynamoDb: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** Sets environment variables; returns a function that puts back what was there. */
export function useEnvironment(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** The variables that point the SDK's default credential, region and endpoint chain at moto. */
export function motoEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: MOTO_AWS.region,
    AWS_ACCESS_KEY_ID: MOTO_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_AWS.credentials.secretAccessKey,
  };
}

/** Points the SDK at moto; returns an undo. */
export function useMotoEnvironment(endpoint: string): () => void {
  return useEnvironment(motoEnvironment(endpoint));
}

/**
 * Keeps everything written to stdout and stderr (Powertools writes logs and metrics there) instead
 * of printing it, to read and to search for secrets. Undo with `vi.restoreAllMocks()`.
 */
export function captureProcessOutput(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
  return lines;
}

/** A unique name for this run, so test files never share resources. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates the state table exactly as the design says (keys, endpoint index). */
export async function createStateTable(dynamoDb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamoDb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: STATE_TABLE.sortKey, AttributeType: 'S' },
        { AttributeName: STATE_TABLE.endpointKey, AttributeType: 'S' },
        { AttributeName: STATE_TABLE.resourceKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: STATE_TABLE.endpointIndex,
          KeySchema: [{ AttributeName: STATE_TABLE.endpointKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: STATE_TABLE.resourceIndex,
          KeySchema: [{ AttributeName: STATE_TABLE.resourceKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

/** Creates an exception audit table as the stack does (infra/constructs/exception-audit-table.ts). */
export async function createAuditTable(dynamoDb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamoDb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: AUDIT_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: AUDIT_TABLE.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: AUDIT_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: AUDIT_TABLE.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
}

/** Creates a secret and returns its name. */
export async function createSecret(secretsManager: SecretsManagerClient, value: string): Promise<string> {
  const name = uniqueName('dspm-token');
  await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

/** Creates a custom bus. */
export async function createBus(eventBridge: EventBridgeClient, name: string): Promise<void> {
  await eventBridge.send(new CreateEventBusCommand({ Name: name }));
}

/** An SQS queue receiving what one rule on the bus matches. */
export interface SpyQueue {
  readonly queueUrl: string;
  /** Every EventBridge event delivered so far (and not yet drained). */
  drain(): Promise<
    {
      'detail-type': string;
      source: string;
      time: string;
      resources: string[];
      detail: Record<string, unknown>;
    }[]
  >;
}

/** A rule with `pattern` on `busName`, delivering to a new spy queue. */
export async function spyOnRule(
  clients: ReturnType<typeof motoClients>,
  busName: string,
  ruleName: string,
  pattern: object,
): Promise<SpyQueue> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName(ruleName) }));
  if (!QueueUrl) throw new Error('moto returned no queue URL');
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.eventBridge.send(
    new PutRuleCommand({ Name: ruleName, EventBusName: busName, EventPattern: JSON.stringify(pattern) }),
  );
  await clients.eventBridge.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: 'spy', Arn: Attributes?.QueueArn }],
    }),
  );
  return {
    queueUrl: QueueUrl,
    drain: async () => {
      const events = [];
      for (;;) {
        const { Messages } = await clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!Messages || Messages.length === 0) return events;
        for (const message of Messages) events.push(JSON.parse(message.Body ?? '{}'));
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
  };
}

/** A fixed fake Lambda context (the one thing we cannot reach for real). */
export function fakeContext(functionName = 'dspm-bridge-test', remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
