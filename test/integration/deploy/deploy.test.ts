/**
 * The deploy path of the README, up to the real account: `npx cdk synth`, `npx cdk bootstrap` and
 * `npx cdk deploy` (the real CLI, against moto; the template adapted only where moto lacks
 * support), the token put in the stack's secret, what exists asserted through the service APIs
 * (never the CLI's exit code), then the shipped bundles from the assembly run as Lambda runs them, with the
 * environment read back from the deployed functions, against the simulator and the deployed
 * resources: a poll, driven step by step as the deployed workflow's definition routes it,
 * publishes through the bus into a spy queue, a tagger batch from the deployed intake rule and
 * queue tags a store and dead-letters a malformed record, the sweep runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  ListArchivesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  FlexibleTimeWindowMode,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rateBudget } from '#shared/budget/static-split.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { motoClients, motoEnvironment, type SpyQueue, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { credentialFreeEnvironment, runCdk, runNpm } from '../../helpers/cdk-cli.ts';
import { invokeBundle, type StagedBundle, stageBundle } from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { deployToMoto, type MotoDeployment } from '../../helpers/moto-deploy.ts';
import { type CfnResource, UNSUPPORTED_IN_MOTO } from '../../helpers/moto-template.ts';

const TOKEN = 'deploy-suite-token-3f9c07a2';
const BACKUP_SOURCE = 'com.example.backup';
const FUNCTIONS = { poller: 'Poller', tagger: 'Tagger', coverage: 'Coverage' } as const;
const budget = rateBudget(100);
type FunctionKey = keyof typeof FUNCTIONS;

/** The S3 key of a function's code in the template. */
function s3KeyOf(resource: CfnResource): string {
  const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
  if (typeof code?.S3Key !== 'string') throw new Error('the function has no S3 code in the template');
  return code.S3Key;
}

describe('the stack deployed into moto, and its shipped bundles', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const config = { ...MOTO_AWS, endpoint };
  const lambda = new LambdaClient(config);
  const iam = new IAMClient(config);
  const sfn = new SFNClient(config);
  const scheduler = new SchedulerClient(config);
  const busName = uniqueName('dspm-bridge');
  const assembly = mkdtempSync(join(tmpdir(), 'dspm-bridge-deploy-'));
  let sim: RunningSimulator;
  let deployment: MotoDeployment;
  const configurations = {} as Record<FunctionKey, FunctionConfiguration>;
  const bundles = {} as Record<FunctionKey, StagedBundle>;
  let spy: SpyQueue;
  const outputs: string[] = [];

  /** The synthesized resource of a function (`Poller` -> PollerFunction...). */
  const functionResource = (key: FunctionKey): [string, CfnResource] => {
    const found = Object.entries(deployment.synthesized.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`${FUNCTIONS[key]}Function`),
    );
    if (!found) throw new Error(`the template has no ${FUNCTIONS[key]} function`);
    return found;
  };
  const logicalIdsOf = (type: string) =>
    Object.entries(deployment.synthesized.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  const invoke = async (key: FunctionKey, event: unknown) => {
    const result = await invokeBundle(
      bundles[key],
      lambdaRuntimeEnvironment(configurations[key], endpoint),
      event,
    );
    outputs.push(result.output);
    return result;
  };

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    // The README's steps: synthesize with the tenant (here the simulator) as context...
    const synth = await runCdk([
      'synth',
      '--quiet',
      '--no-notices',
      '-o',
      assembly,
      '-c',
      `dspm-bridge.tenantUrl=${sim.url}`,
      '-c',
      'dspm-bridge.allowAnyHost=true',
      '-c',
      `dspm-bridge.eventBusName=${busName}`,
      '-c',
      `dspm-bridge.backupEventSources=["${BACKUP_SOURCE}"]`,
      '-c',
      'dspm-bridge.alarmEmail=secops@example.com',
      '-c',
      'dspm-bridge.rateLimitRps=100',
    ]);
    if (synth.code !== 0) throw new Error(`npx cdk synth failed: ${synth.stderr}`);
    // ...npx cdk bootstrap and npx cdk deploy...
    deployment = await deployToMoto({
      assemblyDirectory: assembly,
      artifactId: 'DspmBridge',
      endpoint,
    });
    // ...and put the token in the secret the stack names.
    await clients.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: deployment.outputs.ApiTokenSecretArn,
        SecretString: JSON.stringify({ token: TOKEN }),
      }),
    );
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const [logicalId, resource] = functionResource(key);
      // aws lambda get-function-configuration: the environment the function really has.
      configurations[key] = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: deployment.physicalId(logicalId) }),
      );
      const s3Key = s3KeyOf(resource);
      const folder = deployment.assetFolders[s3Key];
      if (!folder) throw new Error(`no asset folder for ${s3Key}`);
      bundles[key] = stageBundle(folder);
    }
    // A subscriber of the bus: what the archive keeps, delivered to a spy queue (moto cannot
    // deliver to Lambda or SNS targets).
    spy = await spyOnRule(clients, busName, uniqueName('deployed-bus-spy'), { source: ['netskope.dspm'] });
  }, 90_000);

  afterAll(async () => {
    for (const bundle of Object.values(bundles)) bundle.remove();
    rmSync(assembly, { recursive: true, force: true });
    await sim?.close();
  });

  describe('CloudFormation (moto)', () => {
    it('creates every resource of the template that moto supports, and says what it left out', () => {
      expect(deployment.status, deployment.log).toBe('CREATE_COMPLETE');
      const kept = Object.keys(deployment.adaptation.template.Resources).sort();
      const created = deployment.resources
        .filter((r) => r.ResourceStatus === 'CREATE_COMPLETE')
        .map((r) => r.LogicalResourceId ?? '')
        .filter((id) => id !== '')
        .sort();
      // Every resource left in the template was created, under its logical id: nothing silently skipped.
      expect(created).toEqual(kept);
      const leftOut = Object.keys(deployment.adaptation.removed).map(
        (id) => deployment.synthesized.Resources[id]?.Type,
      );
      expect(new Set(leftOut)).toEqual(new Set(Object.keys(UNSUPPORTED_IN_MOTO)));
      // What moto could not create is still what the stack ships: the alarms notify the topic, which
      // mails the configured address.
      const alarms = logicalIdsOf('AWS::CloudWatch::Alarm');
      expect(alarms.length).toBeGreaterThanOrEqual(9);
      expect(
        Object.values(deployment.synthesized.Resources).filter(
          (r) => r.Type === 'AWS::SNS::Subscription' && r.Properties?.Endpoint === 'secops@example.com',
        ),
      ).toHaveLength(1);
      expect(deployment.outputs.AlarmTopicArn).toMatch(/^arn:aws:sns:us-east-1:123456789012:/);
    });

    it('runs the three functions from the uploaded bundles, with the environment the stack sets', () => {
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        const [, resource] = functionResource(key);
        const deployed = configurations[key];
        expect(deployed.Runtime).toBe('nodejs24.x');
        // moto drops Architectures (IGNORED_BY_MOTO): the template says arm64.
        expect(resource.Properties?.Architectures).toEqual(['arm64']);
        expect(deployed.Handler).toBe('index.handler');
        expect(deployed.Timeout).toBe(resource.Properties?.Timeout);
        expect(deployed.MemorySize).toBe(resource.Properties?.MemorySize);
        // moto drops TracingConfig (IGNORED_BY_MOTO): the template turns X-Ray on.
        expect(resource.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
        const s3Key = s3KeyOf(resource);
        expect(deployed.CodeSha256).toBe(deployment.uploadedSha256[s3Key]);
        const env = deployed.Environment?.Variables ?? {};
        // The poller's heap is capped for its memory size (infra/function-sizes.ts).
        expect(env.NODE_OPTIONS).toBe(
          key === 'poller' ? '--enable-source-maps --max-old-space-size=256' : '--enable-source-maps',
        );
        expect(env).toMatchObject({
          DSPM_ALLOW_ANY_HOST: 'true',
          EVENT_BUS_NAME: busName,
          EVENT_SOURCE: 'netskope.dspm',
          STATE_TABLE_NAME: deployment.outputs.StateTableName,
        });
        if (key === 'poller') {
          // The poller's tenant list, resolved by CloudFormation: the one tenant, its secret, its pace.
          expect(env.DSPM_TENANT_URL).toBeUndefined();
          expect(JSON.parse(env.DSPM_TENANTS ?? '')).toEqual([
            {
              url: sim.url,
              tokenSecretId: deployment.outputs.ApiTokenSecretArn,
              rateLimitRps: budget.poller,
            },
          ]);
        } else {
          expect(env).toMatchObject({
            DSPM_TENANT_URL: sim.url,
            DSPM_API_TOKEN_SECRET_ID: deployment.outputs.ApiTokenSecretArn,
          });
        }
        // Each function paces at its share of the tenant's 100 requests/s (shared/budget/static-split.ts).
        const share = { poller: budget.poller, tagger: budget.taggerPerInstance, coverage: budget.coverage }[
          key
        ];
        expect(env.DSPM_RATE_LIMIT_RPS).toBe(String(share));
        // Every variable the template sets arrived, none resolved to an object.
        const synthesized =
          (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
            ?.Variables ?? {};
        expect(Object.keys(env).sort()).toEqual(Object.keys(synthesized).sort());
        for (const value of Object.values(env)) expect(typeof value).toBe('string');
      }
      expect(configurations.tagger.Environment?.Variables).toMatchObject({
        BACKUP_EVENT_SOURCES: BACKUP_SOURCE,
        DEAD_LETTER_QUEUE_URL: deployment.outputs.BackupDeadLetterQueueUrl,
      });
    });

    it('creates the state table with its keys and indexes', async () => {
      const TableName = deployment.outputs.StateTableName;
      const { Table } = await clients.dynamoDb.send(new DescribeTableCommand({ TableName }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(
        Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.[0]?.AttributeName]).sort(),
      ).toEqual([
        ['byEndpoint', 'endpointKey'],
        ['byResource', 'resourceKey'],
      ]);
      // moto drops TimeToLiveSpecification (IGNORED_BY_MOTO): the template sets it.
      const table = Object.values(deployment.synthesized.Resources).find(
        (r) => r.Type === 'AWS::DynamoDB::Table',
      );
      expect(table?.Properties?.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
      // moto drops PointInTimeRecoverySpecification too (IGNORED_BY_MOTO).
      expect(table?.Properties?.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    });

    it('creates the bus and its archive of everything the bridge publishes', async () => {
      const bus = await clients.eventBridge.send(new DescribeEventBusCommand({ Name: busName }));
      expect(bus.Arn).toBe(deployment.outputs.EventBusArn);
      const { Archives } = await clients.eventBridge.send(
        new ListArchivesCommand({ EventSourceArn: bus.Arn }),
      );
      expect(Archives).toHaveLength(1);
      expect(Archives?.[0]?.RetentionDays).toBe(30);
    });

    it('creates the intake FIFO queue with its dead-letter queue, and the schedule dead-letter and failed-run queues', async () => {
      const queues = logicalIdsOf('AWS::SQS::Queue');
      expect(queues).toHaveLength(5);
      const attributes = async (logicalId: string) =>
        (
          await clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: deployment.physicalId(logicalId),
              AttributeNames: ['All'],
            }),
          )
        ).Attributes ?? {};
      const intakeId = queues.find((id) => id.startsWith('BackupIntakeQueue')) ?? '';
      const intake = await attributes(intakeId);
      const deadLetters = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: deployment.outputs.BackupDeadLetterQueueUrl,
          AttributeNames: ['All'],
        }),
      );
      expect(intake).toMatchObject({
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
        VisibilityTimeout: '720',
      });
      expect(JSON.parse(intake.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: deadLetters.Attributes?.QueueArn,
        maxReceiveCount: 5,
      });
      expect(deadLetters.Attributes).toMatchObject({ FifoQueue: 'true', MessageRetentionPeriod: '1209600' });
      // The sweep's schedule and its failed runs; the poll workflow's schedule (the workflow
      // invokes the poller synchronously: it has no failed-runs queue).
      const scheduleQueues = queues.filter(
        (q) =>
          q.includes('ScheduleDeadLetters') ||
          q.includes('ScheduleFailedRuns') ||
          q.startsWith('PollWorkflowDeadLetters'),
      );
      expect(scheduleQueues).toHaveLength(3);
      for (const id of scheduleQueues) {
        expect(await attributes(id), id).toMatchObject({ MessageRetentionPeriod: '1209600' });
      }
    });

    it('maps the intake queue to the tagger, reporting batch item failures', async () => {
      const { EventSourceMappings } = await lambda.send(
        new ListEventSourceMappingsCommand({ FunctionName: configurations.tagger.FunctionName }),
      );
      const intakeId = logicalIdsOf('AWS::SQS::Queue').find((id) => id.startsWith('BackupIntakeQueue')) ?? '';
      const intake = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: deployment.physicalId(intakeId),
          AttributeNames: ['QueueArn'],
        }),
      );
      expect(EventSourceMappings).toHaveLength(1);
      expect(EventSourceMappings?.[0]).toMatchObject({
        EventSourceArn: intake.Attributes?.QueueArn,
        FunctionArn: configurations.tagger.FunctionArn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('creates the backup rules on both buses, each targeting the intake queue', async () => {
      // AWS Backup's on the default bus; forwarded AWS Backup and the generic contract on the bridge's.
      const rules = logicalIdsOf('AWS::Events::Rule');
      expect(rules).toHaveLength(3);
      for (const id of rules) {
        const synthesized = deployment.synthesized.Resources[id]?.Properties ?? {};
        const bus = synthesized.EventBusName === 'default' ? 'default' : busName;
        const name = deployment.physicalId(id);
        const rule = await clients.eventBridge.send(
          new DescribeRuleCommand({ Name: name, EventBusName: bus }),
        );
        expect(JSON.parse(rule.EventPattern ?? '{}'), id).toEqual(synthesized.EventPattern);
        expect(rule.State).toBe('ENABLED');
        const { Targets } = await clients.eventBridge.send(
          new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus }),
        );
        expect(Targets?.map((t) => t.Arn?.split(':').at(-1))).toEqual([
          deployment
            .physicalId(logicalIdsOf('AWS::SQS::Queue').find((q) => q.startsWith('BackupIntakeQueue')) ?? '')
            .split('/')
            .at(-1),
        ]);
        expect(Targets?.[0]?.SqsParameters?.MessageGroupId).toMatch(
          /^(aws-backup|aws-backup-forwarded|generic)$/,
        );
      }
    });

    it('creates the poll workflow with its definition and role, and the schedule that starts it', async () => {
      const machineId = logicalIdsOf('AWS::StepFunctions::StateMachine');
      expect(machineId).toHaveLength(1);
      const arn = deployment.outputs.PollWorkflowArn ?? '';
      expect(arn).toBe(deployment.physicalId(machineId[0] as string));
      const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      const definition = JSON.parse(machine.definition ?? '{}') as {
        States: Record<
          string,
          { ItemProcessor?: { States: Record<string, { Resource?: string }> }; Result?: unknown }
        >;
      };
      // The definition CloudFormation resolved: this deployment's tenant, this deployment's poller.
      expect(definition.States.Tenants?.Result).toEqual({ tenants: [new URL(sim.url).host] });
      const branch = definition.States.PollTenants?.ItemProcessor?.States ?? {};
      expect(branch.Chunk?.Resource).toBe(configurations.poller.FunctionArn);
      expect(branch.Finish?.Resource).toBe(configurations.poller.FunctionArn);
      // Its role: Step Functions may assume it, and it may invoke the poller.
      const roleName = machine.roleArn?.split('/').at(-1) ?? '';
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      const trust = JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '{}'));
      expect(trust.Statement[0].Principal.Service).toBe('states.amazonaws.com');
      // moto keeps neither the logging nor the tracing (IGNORED_BY_MOTO): the template has them.
      expect(machine.loggingConfiguration?.level).toBe('OFF');
      expect(machine.tracingConfiguration?.enabled).toBe(false);
      const synthesized = deployment.synthesized.Resources[machineId[0] as string]?.Properties ?? {};
      expect(synthesized).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL' },
        TracingConfiguration: { Enabled: true },
      });

      // moto's CloudFormation cannot create a schedule (UNSUPPORTED_IN_MOTO): create it through
      // the Scheduler API from the template's own properties, resolved to this deployment, and
      // read back that it starts the deployed workflow.
      const [scheduleId, schedule] =
        Object.entries(deployment.synthesized.Resources).find(
          ([id, r]) => r.Type === 'AWS::Scheduler::Schedule' && id.startsWith('PollWorkflowSchedule'),
        ) ?? [];
      expect(scheduleId).toBeDefined();
      const target = schedule?.Properties?.Target as {
        Arn: { Ref: string };
        RoleArn: { 'Fn::GetAtt': [string, string] };
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } };
        Input: string;
        RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
      };
      expect(target.Arn.Ref).toBe(machineId[0]);
      const deadLetters = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: deployment.physicalId(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]),
          AttributeNames: ['QueueArn'],
        }),
      );
      const scheduleName = uniqueName('dspm-bridge-poll');
      await scheduler.send(
        new CreateScheduleCommand({
          Name: scheduleName,
          ScheduleExpression: String(schedule?.Properties?.ScheduleExpression),
          FlexibleTimeWindow: { Mode: FlexibleTimeWindowMode.OFF },
          Target: {
            Arn: arn,
            RoleArn: `arn:aws:iam::123456789012:role/${deployment.physicalId(target.RoleArn['Fn::GetAtt'][0])}`,
            Input: target.Input,
            DeadLetterConfig: { Arn: deadLetters.Attributes?.QueueArn },
            RetryPolicy: target.RetryPolicy,
          },
        }),
      );
      const created = await scheduler.send(new GetScheduleCommand({ Name: scheduleName }));
      expect(created).toMatchObject({
        ScheduleExpression: 'rate(15 minutes)',
        Target: {
          Arn: arn,
          Input: '{}',
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
        },
      });
    });

    it('creates each function role for Lambda with the inline policy the template grants', async () => {
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        const roleName = configurations[key].Role?.split('/').at(-1) ?? '';
        const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
        const trust = JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '{}'));
        expect(trust.Statement[0].Principal.Service).toBe('lambda.amazonaws.com');
        // moto drops ManagedPolicyArns (IGNORED_BY_MOTO): the template attaches the basic execution role.
        const roleResource = Object.entries(deployment.synthesized.Resources).find(([id]) =>
          roleName.includes(id),
        )?.[1];
        expect(JSON.stringify(roleResource?.Properties?.ManagedPolicyArns)).toContain(
          'policy/service-role/AWSLambdaBasicExecutionRole',
        );
        // The AWS::IAM::Policy attached to this role in the template, found in IAM by its name.
        const [policyId, policy] =
          Object.entries(deployment.synthesized.Resources).find(
            ([, r]) =>
              r.Type === 'AWS::IAM::Policy' &&
              JSON.stringify(r.Properties?.Roles).includes(`${FUNCTIONS[key]}FunctionServiceRole`),
          ) ?? [];
        expect(policyId, key).toBeDefined();
        const deployed = await iam.send(
          new GetRolePolicyCommand({
            RoleName: roleName,
            PolicyName: String(policy?.Properties?.PolicyName),
          }),
        );
        const document = JSON.parse(decodeURIComponent(deployed.PolicyDocument ?? '{}')) as {
          Statement: { Action: string | string[]; Resource: unknown }[];
        };
        const actions = (statements: { Action: string | string[] }[]) =>
          statements.flatMap((s) => [s.Action].flat()).sort();
        const synthesizedStatements =
          (policy?.Properties?.PolicyDocument as { Statement?: { Action: string | string[] }[] } | undefined)
            ?.Statement ?? [];
        expect(actions(document.Statement), key).toEqual(actions(synthesizedStatements));
        // Resources resolved to real ARNs of this deployment.
        const resources = JSON.stringify(document.Statement.map((s) => s.Resource));
        expect(resources).toContain(deployment.outputs.EventBusArn);
        expect(resources).toContain(deployment.outputs.ApiTokenSecretArn);
        expect(resources).toContain(`table/${deployment.outputs.StateTableName}`);
      }
    });
  });

  describe('the shipped bundles, run as Lambda runs them', () => {
    it('find only the AWS SDK beside them, not the project dependencies they bundle', () => {
      for (const bundle of Object.values(bundles)) {
        expect(bundle.resolvable('undici')).toBe(false);
        expect(bundle.resolvable('zod')).toBe(false);
        expect(bundle.resolvable('@middy/core')).toBe(false);
        expect(bundle.resolvable('@aws-sdk/client-sqs')).toBe(true);
        expect(
          bundle.runtimePackages.every((name) => !/^(undici|zod|@middy|@aws-lambda-powertools)/.test(name)),
        ).toBe(true);
      }
    });

    it('a poll run as the workflow runs it (chunk, then finish) publishes through the deployed bus into a spy queue and records state', async () => {
      // The deployed definition's task input, as the Map's item selector builds it.
      const tenant = new URL(sim.url).host;
      const runId = `scheduled-execution-1/${tenant}`;
      const chunk = await invoke('poller', { step: 'chunk', tenant, runId });
      expect(chunk.error).toBeUndefined();
      // The guide's three stores fit one chunk: the Choice sends the branch to Finish.
      expect(chunk.result).toMatchObject({ status: 'listed', complete: true, received: 3, chunk: 1 });
      const finish = await invoke('poller', { step: 'finish', tenant, runId });
      expect(finish.error).toBeUndefined();
      expect(finish.ok).toBe(true);
      expect(finish.result).toMatchObject({ status: 'completed', complete: true, failed: 0 });
      const events = await spy.drain();
      // A silent baseline: the guide's store 1 has encryption Off, a finding already there.
      expect(events.map((e) => e['detail-type'])).toEqual([
        'data-store-finding-opened',
        'dspm-poll-completed',
      ]);
      expect(events[0]?.detail).toMatchObject({ condition: 'encryption-off', baseline: true });
      expect(events[1]?.detail).toMatchObject({ baseline: true, complete: true });
      const { Count } = await clients.dynamoDb.send(
        new ScanCommand({ TableName: deployment.outputs.StateTableName, Select: 'COUNT' }),
      );
      expect(Count).toBeGreaterThanOrEqual(sim.tenant.listStores().length);
      expect(sim.requests.length).toBeGreaterThan(0);
    });

    it('a tagger batch from the deployed rule and queue tags a store and dead-letters a malformed record', async () => {
      await clients.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            { dataStoreId: 1, protected: false, reason: 'LAST_JOB_FAILED' },
            { dataStoreId: 2, reason: 'NOT_ENROLLED' },
          ].map((detail) => ({
            EventBusName: busName,
            Source: BACKUP_SOURCE,
            DetailType: 'backup-protection-changed',
            Detail: JSON.stringify({ system: 'example', observedAt: '2026-12-01T10:00:00Z', ...detail }),
          })),
        }),
      );
      const intakeId = logicalIdsOf('AWS::SQS::Queue').find((id) => id.startsWith('BackupIntakeQueue')) ?? '';
      const queueUrl = deployment.physicalId(intakeId);
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const messages: Message[] = [];
      for (let round = 0; round < 10 && messages.length < 2; round++) {
        const { Messages = [] } = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages.push(...Messages);
      }
      expect(messages).toHaveLength(2);
      // The batch the event source mapping would hand the tagger.
      const result = await invoke('tagger', {
        Records: messages.map((m) => ({
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: 'events',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
            MessageGroupId: m.Attributes?.MessageGroupId ?? 'generic',
            MessageDeduplicationId: m.Attributes?.MessageDeduplicationId ?? '',
            SequenceNumber: m.Attributes?.SequenceNumber ?? '1',
          },
          messageAttributes: {},
          md5OfBody: m.MD5OfBody,
          eventSource: 'aws:sqs',
          eventSourceARN: Attributes?.QueueArn,
          awsRegion: MOTO_AWS.region,
        })),
      });
      expect(result.error).toBeUndefined();
      expect(result.result).toEqual({ batchItemFailures: [] });
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      const unprotected = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
      expect(unprotected).toBeDefined();
      expect(sim.tenant.getStore(1)?.data_tags).toContain(unprotected?.id);
      expect(sim.tenant.getStore(2)?.data_tags ?? []).not.toContain(unprotected?.id);
      const dead = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deployment.outputs.BackupDeadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      expect(dead.Messages).toHaveLength(1);
      expect(dead.Messages?.[0]?.MessageAttributes?.reason?.StringValue).toMatch(
        /^not a backup event: detail\.protected: expected boolean, got nothing \(field missing\) \(SQS message .+\)$/,
      );
      const protectionEvents = (await spy.drain()).filter(
        (e) => e['detail-type'] === 'data-store-protection-changed',
      );
      expect(protectionEvents.map((e) => (e.detail.dataStore as { id: number }).id)).toEqual([1]);
    });

    it('the coverage sweep runs against the deployed state', async () => {
      const result = await invoke('coverage', {});
      expect(result.error).toBeUndefined();
      expect(result.result).toMatchObject({ storesChecked: sim.tenant.listStores().length });
      expect(result.output).toContain('coverage sweep completed');
    });

    it('doctor passes against the deployed stack, configured from the stack outputs', async () => {
      // The operations guide's exports: the tenant, and the stack outputs the functions get too.
      const env = credentialFreeEnvironment({
        ...motoEnvironment(endpoint),
        DSPM_TENANT_URL: sim.url,
        DSPM_ALLOW_ANY_HOST: 'true',
        DSPM_API_TOKEN_SECRET_ID: deployment.outputs.ApiTokenSecretArn ?? '',
        EVENT_BUS_NAME: deployment.outputs.EventBusArn?.split('/').at(-1) ?? '',
        STATE_TABLE_NAME: deployment.outputs.StateTableName ?? '',
      });
      expect(configurations.tagger.Environment?.Variables).toMatchObject({
        DSPM_API_TOKEN_SECRET_ID: env.DSPM_API_TOKEN_SECRET_ID,
        EVENT_BUS_NAME: env.EVENT_BUS_NAME,
        STATE_TABLE_NAME: env.STATE_TABLE_NAME,
      });
      const run = await runNpm(['run', '--silent', 'cli', '--', 'doctor', '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      const checks = JSON.parse(run.stdout) as { check: string; status: string }[];
      expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(checks.filter((c) => c.check.startsWith('aws')).map((c) => [c.check, c.status])).toEqual([
        ['aws event bus', 'ok'],
        ['aws state table', 'ok'],
      ]);
      expect(checks.find((c) => c.check === 'token')?.status).toBe('ok');
      outputs.push(run.stdout + run.stderr);
    });

    it('writes JSON logs and metrics, and never the token', () => {
      const all = outputs.join('\n');
      expect(all).not.toContain(TOKEN);
      expect(all).toContain('"_aws"');
      // Each process loaded its bundle fresh, as a cold start does.
      expect(all.match(/"cold_start":true/g)?.length).toBeGreaterThanOrEqual(3);
      expect(outputs.length).toBe(5);
      expect(outputs.every((o) => o.length > 0)).toBe(true);
    });
  });
});
