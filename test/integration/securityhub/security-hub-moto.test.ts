/**
 * The Security Hub export as shipped: the function's bundle from a synthesized assembly runs as
 * Lambda loads it, fed by what a rule with the stack's own pattern delivered to SQS from a moto
 * bus, importing into moto's Security Hub. moto's Security Hub checks almost nothing, so every
 * finding it ends up holding is checked against the strict ASFF rules here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  type AwsSecurityFinding,
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FindingDetail } from '#shared/events/contract.ts';
import { securityHubPattern } from '../../../infra/constructs/security-hub-export.ts';
import { createBus, motoClients, motoEnvironment, uniqueName } from '../../helpers/aws.ts';
import { startCliProcess } from '../../helpers/cli-process.ts';
import { detailTypeOf, findingDetail, lifecycle, RDS_STORE_ARN } from '../../helpers/finding-events.ts';
import { invokeBundle, type StagedBundle, stageBundle } from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { synthesize } from '../../helpers/stack.ts';
import { asffViolations } from '../../peers/security-hub/asff-rules.ts';

const ACCOUNT = '123456789012';
const PRODUCT_ARN = `arn:aws:securityhub:${MOTO_AWS.region}:${ACCOUNT}:product/${ACCOUNT}/default`;

describe('the Security Hub export bundle on AWS (moto)', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const securityHub = new SecurityHubClient({ ...MOTO_AWS, endpoint });
  const busName = uniqueName('securityhub-bus');
  const assembly = mkdtempSync(join(tmpdir(), 'dspm-bridge-securityhub-'));
  let bundle: StagedBundle;
  let env: Record<string, string>;
  let queueUrl: string;
  let deadLetterUrl: string;
  let templateVariables: string[];

  const queue = async (name: string) => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName(name) }));
    if (!QueueUrl) throw new Error('moto returned no queue URL');
    return QueueUrl;
  };

  const receiveAll = async (url: string): Promise<Message[]> => {
    const messages: Message[] = [];
    for (let round = 0; round < 100; round++) {
      const { Messages } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) return messages;
      messages.push(...Messages);
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    throw new Error('the queue did not drain in 100 receives');
  };

  /** Publishes details to the bus as the poller does and returns what SQS hands the function. */
  const deliver = async (details: FindingDetail[], extraBodies: string[] = []): Promise<SQSEvent> => {
    for (let start = 0; start < details.length; start += 10) {
      const { FailedEntryCount } = await clients.eventBridge.send(
        new PutEventsCommand({
          Entries: details.slice(start, start + 10).map((detail) => ({
            EventBusName: busName,
            Source: 'netskope.dspm',
            DetailType: detailTypeOf(detail),
            Resources: [RDS_STORE_ARN],
            Detail: JSON.stringify(detail),
          })),
        }),
      );
      expect(FailedEntryCount).toBe(0);
    }
    const messages = await receiveAll(queueUrl);
    const bodies = [
      ...messages.map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '' })),
      ...extraBodies.map((body, i) => ({ id: `extra-${i}`, body })),
    ];
    return {
      Records: bodies.map(({ id, body }) => ({
        messageId: id,
        receiptHandle: `handle-${id}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'events',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${MOTO_AWS.region}:${ACCOUNT}:security-hub`,
        awsRegion: MOTO_AWS.region,
      })),
    };
  };

  const invoke = async (event: SQSEvent) => {
    const result = await invokeBundle(bundle, env, event);
    expect(result.ok, `${result.error?.message}\n${result.output}`).toBe(true);
    return result as { result: { batchItemFailures: { itemIdentifier: string }[] }; output: string };
  };

  const findings = async (): Promise<AwsSecurityFinding[]> => {
    const { Findings } = await securityHub.send(new GetFindingsCommand({ MaxResults: 100 }));
    return (Findings ?? []).filter((f) => f.Id?.startsWith('example.goskope.com/data-store/1/finding/'));
  };

  beforeAll(async () => {
    // Arrange: the stack's bundle, staged as the Lambda runtime loads it.
    const { template } = synthesize({ securityHub: true }, { bundle: true, outdir: assembly });
    const [[, resource] = []] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([id]) => id.startsWith('SecurityHubExporter'),
    );
    const properties = (
      resource as {
        Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
      }
    ).Properties;
    templateVariables = Object.keys(properties.Environment.Variables).sort();
    bundle = stageBundle(join(assembly, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`));

    await securityHub.send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    await createBus(clients.eventBridge, busName);
    queueUrl = await queue('securityhub-export');
    deadLetterUrl = await queue('securityhub-dlq');
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const rule = uniqueName('securityhub');
    const { source, detailType } = securityHubPattern('netskope.dspm');
    await clients.eventBridge.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: busName,
        EventPattern: JSON.stringify({ source, 'detail-type': detailType }),
      }),
    );
    await clients.eventBridge.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
      }),
    );
    env = lambdaRuntimeEnvironment(
      {
        FunctionName: 'dspm-bridge-security-hub',
        Runtime: 'nodejs24.x',
        MemorySize: 512,
        LoggingConfig: { LogFormat: 'JSON' },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            SECURITY_HUB_PRODUCT_ARN: PRODUCT_ARN,
            DEAD_LETTER_QUEUE_URL: deadLetterUrl,
          },
        },
      },
      endpoint,
    );
  }, 120_000);

  afterAll(() => {
    bundle?.remove();
    rmSync(assembly, { recursive: true, force: true });
  });

  it('needs no variable beyond those the template sets', () => {
    expect(templateVariables).toEqual(['DEAD_LETTER_QUEUE_URL', 'NODE_OPTIONS', 'SECURITY_HUB_PRODUCT_ARN']);
  });

  it('keeps one finding per occurrence through open, escalation and resolve, archived at the end', async () => {
    // Act: 80 -> 90 -> 30, one poll each, one invocation each.
    for (const detail of lifecycle(1)) {
      const { result } = await invoke(await deliver([detail]));
      expect(result.batchItemFailures).toEqual([]);
    }
    // Assert
    const held = await findings();
    expect(held).toHaveLength(1);
    const [finding] = held;
    expect(finding).toMatchObject({
      Id: 'example.goskope.com/data-store/1/finding/high-risk/1',
      ProductArn: PRODUCT_ARN,
      AwsAccountId: ACCOUNT,
      RecordState: 'ARCHIVED',
      // Updates carry the severity in FindingProviderFields only (AWS's rule for providers); the
      // top-level one is Security Hub's to derive, and moto does not, so it is not asserted here.
      FindingProviderFields: expect.objectContaining({
        Severity: { Label: 'CRITICAL', Original: 'critical' },
      }),
      CreatedAt: '2026-11-22T10:00:00.000Z',
      UpdatedAt: '2026-11-22T10:30:00.000Z',
      Resources: [expect.objectContaining({ Type: 'AwsRdsDbInstance', Id: RDS_STORE_ARN })],
      ProductFields: expect.objectContaining({ 'dspm-bridge/sequence': '3' }),
    });
    expect(asffViolations(finding as object)).toEqual([]);
  });

  it('does not move a finding back for a redelivered older event', async () => {
    // Arrange: the update (sequence 2) of occurrence 1 comes again, after its resolve.
    const [, updated] = lifecycle(1);
    // Act
    const { result, output } = await invoke(await deliver([updated as FindingDetail]));
    // Assert: acknowledged, counted, and Security Hub still shows the resolve.
    expect(result.batchItemFailures).toEqual([]);
    expect(output).toContain('"StaleFindingEvents":1');
    const [finding] = (await findings()).filter((f) => f.Id?.endsWith('/1'));
    expect(finding).toMatchObject({
      RecordState: 'ARCHIVED',
      ProductFields: expect.objectContaining({ 'dspm-bridge/sequence': '3' }),
    });
  });

  it('opens a recurrence as a new finding, and keeps the newest of one batch delivered out of order', async () => {
    // Arrange: occurrence 2 opens and resolves between two runs; SQS hands them over reversed.
    const [opened, , resolved] = lifecycle(2, 4);
    // Act
    const { result } = await invoke(await deliver([resolved as FindingDetail, opened as FindingDetail]));
    // Assert
    expect(result.batchItemFailures).toEqual([]);
    const held = await findings();
    expect(held.map((f) => [f.Id, f.RecordState]).sort()).toEqual([
      ['example.goskope.com/data-store/1/finding/high-risk/1', 'ARCHIVED'],
      ['example.goskope.com/data-store/1/finding/high-risk/2', 'ARCHIVED'],
    ]);
    for (const finding of held) expect(asffViolations(finding as object)).toEqual([]);
  });

  it('sends a body that is not a finding event to the dead-letter queue with its reason, and goes on', async () => {
    // Arrange: one good event and one broken body in the same batch.
    const good = findingDetail({
      condition: 'encryption-off',
      title: 'Encryption off on engineering',
      evidence: { encryption: 'Off' },
    });
    const event = await deliver([good], ['{"detail-type":"data-store-finding-opened","detail":{}}']);
    // Act
    const { result } = await invoke(event);
    // Assert
    expect(result.batchItemFailures).toEqual([]);
    const [dead] = await receiveAll(deadLetterUrl);
    expect(dead?.Body).toBe('{"detail-type":"data-store-finding-opened","detail":{}}');
    expect(dead?.MessageAttributes?.reason?.StringValue).toMatch(
      /^not a finding event: (source|detail\.\w+): /,
    );
    expect((await findings()).map((f) => f.Id)).toContain(
      'example.goskope.com/data-store/1/finding/encryption-off/1',
    );
  });

  it('shows the finding of `dspm-bridge test-event --resolve` archived and marked as a test', async () => {
    // Arrange / Act: the operator's check after a deploy, then one run of the export.
    const cli = startCliProcess(['test-event', '--resolve', '--json'], {
      ...motoEnvironment(endpoint),
      EVENT_BUS_NAME: busName,
    });
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(0);
    const { correlationId } = JSON.parse(cli.stdout()) as { correlationId: string };
    const event = await deliver([]);
    expect(event.Records).toHaveLength(2);
    const { result } = await invoke(event);
    // Assert
    expect(result.batchItemFailures).toEqual([]);
    const { Findings = [] } = await securityHub.send(new GetFindingsCommand({ MaxResults: 100 }));
    const finding = Findings.find((f) => f.Id === correlationId);
    expect(finding).toMatchObject({
      RecordState: 'ARCHIVED',
      Title: '[test] [dspm-bridge test event] High DSPM risk on dspm-bridge-test-event',
      Resources: [expect.objectContaining({ Type: 'Other', Id: 'test-event.invalid/data-store/0' })],
      ProductFields: expect.objectContaining({ 'dspm-bridge/test': 'true' }),
    });
    expect(asffViolations(finding as object)).toEqual([]);
  });
});
