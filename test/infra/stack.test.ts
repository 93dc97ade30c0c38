import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TOKEN_PLACEHOLDER_GENERATION } from '#shared/dspm/token-placeholder.ts';
import { synthesize } from '../helpers/stack.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every IAM statement of the policies attached to the role of the function whose logical id starts with `prefix`. */
function statementsOf(template: ReturnType<typeof synthesize>['template'], prefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`${prefix}FunctionServiceRoleDefaultPolicy`))
    .flatMap(
      ([, policy]) =>
        (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}
const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('the stack with its defaults', () => {
  const { template } = synthesize();

  it('runs three functions on Node.js 24, arm64, traced, with the poller alone at a time', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Polls Netskope One DSPM'),
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          // The tenant list, one entry here (its JSON holds the secret's ARN, a reference).
          DSPM_TENANTS: Match.anyValue(),
          EVENT_BUS_NAME: 'dspm-bridge',
          EVENT_SOURCE: 'netskope.dspm',
          STATE_TABLE_NAME: { Ref: Match.stringLikeRegexp('StateTable') },
          POLL_LEASE_TTL_SECONDS: '120',
        }),
      },
    });
    // The tagger and the sweep keep the single-tenant variables: they work on the first tenant.
    for (const description of ['Unprotected tag in step', 'no successful backup']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(description),
        Environment: {
          Variables: Match.objectLike({
            DSPM_TENANT_URL: 'https://example.goskope.com',
            DSPM_API_TOKEN_SECRET_ID: { Ref: Match.stringLikeRegexp('ApiToken') },
          }),
        },
      });
    }
  });

  it('keeps state in an on-demand table with point-in-time recovery, TTL and both indexes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'byEndpoint',
            KeySchema: [{ AttributeName: 'endpointKey', KeyType: 'HASH' }],
          }),
          Match.objectLike({
            IndexName: 'byResource',
            KeySchema: [{ AttributeName: 'resourceKey', KeyType: 'HASH' }],
          }),
        ],
      }),
    });
  });

  it('creates the bus with an archive of everything the bridge publishes', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'dspm-bridge' });
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 30,
      EventPattern: { source: ['netskope.dspm'] },
    });
  });

  it('schedules the poll and the sweep with retries and dead-letter queues', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    for (const expression of ['rate(15 minutes)', 'rate(1 hour)']) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        Target: Match.objectLike({
          RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      });
    }
  });

  it("routes AWS Backup's events from the default bus into a FIFO queue the tagger reads with partial batch responses", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change', 'Recovery Point State Change'],
      },
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'aws-backup' } })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      VisibilityTimeout: 720,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('has no generic backup rule until a source is accepted', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: { EventPattern: { 'detail-type'?: string[] } };
    }[];
    expect(rules.map((r) => r.Properties.EventPattern['detail-type'])).not.toContainEqual([
      'backup-protection-changed',
    ]);
  });

  it('grants PutEvents on the bus only and the secret only (the table: least-privilege.test.ts)', () => {
    for (const fn of ['Poller', 'Tagger', 'Coverage']) {
      const statements = statementsOf(template, fn);
      const putEvents = statements.find((s) => actionsOf(s).includes('events:PutEvents'));
      expect(putEvents?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] });
      const secret = statements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
      expect(secret?.Resource).toEqual({ Ref: expect.stringMatching(/^ApiToken/) });
      // The only statements on every resource are X-Ray's and, for the sweep, AWS Backup's
      // read-only recovery point listing: neither has resource-level permissions.
      const onAnything = fn === 'Coverage' ? ['xray:', 'backup:ListRecoveryPointsByResource'] : ['xray:'];
      for (const statement of statements.filter((s) => s.Resource === '*')) {
        expect(actionsOf(statement).every((action) => onAnything.some((a) => action.startsWith(a)))).toBe(
          true,
        );
      }
      if (fn === 'Coverage')
        expect(statements.some((s) => actionsOf(s).includes('backup:ListRecoveryPointsByResource'))).toBe(
          true,
        );
    }
  });

  it('lets the tagger write to its dead-letter queue, the sweep only to its failed-runs queue, the poller to none', () => {
    const sendsTo = (fn: string) =>
      statementsOf(template, fn)
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .map((s) => JSON.stringify(s.Resource));
    expect(sendsTo('Tagger')).toEqual([expect.stringContaining('BackupIntakeDeadLetters')]);
    // The workflow invokes the poller synchronously: a failure is the execution's, not a queue's.
    expect(sendsTo('Poller')).toEqual([]);
    expect(sendsTo('Coverage')).toEqual([expect.stringContaining('CoverageScheduleFailedRuns')]);
  });

  it('alarms on errors, a missing poll, throttling, publish failures and every dead-letter queue', () => {
    const names = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    for (const expected of [
      'PollerErrors',
      'TaggerErrors',
      'CoverageErrors',
      'examplegoskopecomNoCompletedPoll',
      'examplegoskopecomIncompletePolls',
      'examplegoskopecomDspmThrottling',
      'examplegoskopecomPublishFailures',
      'examplegoskopecomTokenNotSet',
      'PollWorkflowFailed',
      'PollWorkflowTimedOut',
      'PollScheduleDeadLetters',
      'CoverageScheduleDeadLetters',
      'TaggerDeadLetters',
    ]) {
      expect(names.some((name) => name.startsWith(`Alarms${expected}`))).toBe(true);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PollsCompleted',
      Namespace: 'DspmBridge',
      // CloudFormation lists dimensions sorted by name.
      Dimensions: [
        { Name: 'Tenant', Value: 'example.goskope.com' },
        { Name: 'service', Value: 'dspm-bridge-poller' },
      ],
      Period: 1800,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    });
  });

  it('gives every function and the workflow a log group with retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates a placeholder token secret when none is given, and no VPC', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    // The value the functions recognise as "token not set yet" (shared/dspm/token-placeholder.ts).
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: TOKEN_PLACEHOLDER_GENERATION.secretStringTemplate,
        GenerateStringKey: TOKEN_PLACEHOLDER_GENERATION.generateStringKey,
        ExcludePunctuation: true,
        PasswordLength: TOKEN_PLACEHOLDER_GENERATION.passwordLength,
      },
    });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
  });
});

describe('the stack with every option on', () => {
  const { template } = synthesize({
    tokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:dspm/token-AbCdEf',
    backupEventSources: ['com.veeam.backup'],
    fixedEgressIp: true,
    alarmEmail: 'secops@example.com',
    tracing: false,
    slack: {
      botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
      channel: '#dspm',
    },
    serviceNow: {
      instanceUrl: 'https://acme.service-now.com',
      credentialsSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:snow-AbCdEf',
    },
  });

  it('uses the given secret instead of creating one', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DSPM_API_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:dspm/token-AbCdEf',
        }),
      },
    });
  });

  it('accepts generic backup events from the configured sources on the bridge bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('EventsBus') },
      EventPattern: { source: ['com.veeam.backup'], 'detail-type': ['backup-protection-changed'] },
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'generic' } })],
    });
  });

  it('puts the functions in private subnets behind one NAT gateway on an Elastic IP, and outputs the IP', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).some((key) => key.startsWith('EgressEgressIpAddress'))).toBe(true);
  });

  it('switches tracing off', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
  });

  it('subscribes the alarm email', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });

  it('sends high and critical finding events, baseline and suppressed updates left out, to a FIFO queue in one message group', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: Match.stringLikeRegexp('to Slack'),
      EventPattern: {
        source: ['netskope.dspm'],
        'detail-type': [
          'data-store-finding-opened',
          'data-store-finding-updated',
          'data-store-finding-resolved',
          'data-store-finding-suppressed',
          'data-store-finding-unsuppressed',
        ],
        detail: {
          condition: ['high-risk', 'public-access', 'encryption-off', 'backup-off', 'unprotected'],
          severity: ['high', 'critical'],
          baseline: [false],
        },
        $or: [
          { 'detail-type': ['data-store-finding-suppressed'] },
          { detail: { status: ['open'] } },
          {
            'detail-type': ['data-store-finding-resolved'],
            detail: { exception: { exceptionId: [{ exists: false }] } },
          },
        ],
      },
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'slack' } })],
    });
    // Neither Slack nor ServiceNow goes through an API destination any more: both read their answers.
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
  });

  it('reads the Slack queue with partial batch responses; refused records reach a FIFO dead-letter queue after five receives', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const [queueId, queue] = Object.entries(queues).find(([id]) => id.startsWith('SlackQueue')) ?? [];
    const [dlqId, dlq] = Object.entries(queues).find(([id]) => id.startsWith('SlackDeadLetters')) ?? [];
    expect(queue?.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(dlq?.Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('to Slack'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 120,
      Environment: {
        Variables: Match.objectLike({
          SLACK_CHANNEL: '#dspm',
          SLACK_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
          SLACK_MIN_INTERVAL_MS: '1000',
          SLACK_POST_DEESCALATIONS: 'false',
          DEAD_LETTER_QUEUE_URL: { Ref: dlqId },
        }),
      },
    });
  });

  it('lets the Slack function read its token secret, send to its dead-letter queue and consume its queue, nothing else', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const [, policy] = Object.entries(policies).find(([id]) => id.startsWith('SlackNotifier')) ?? [];
    const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const actions = [
      ...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))),
    ].sort();
    expect(actions).toEqual(
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ].sort(),
    );
    const secretStatement = statements.find((s) =>
      [s.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(secretStatement?.Resource).toBe(
      'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
    );
  });

  it('alarms on the notification dead-letter queues too', () => {
    const names = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(names.some((n) => n.startsWith('AlarmsSlackDeadLetters'))).toBe(true);
    expect(names.some((n) => n.startsWith('AlarmsServiceNowDeadLetters'))).toBe(true);
  });
});

describe('configuration errors', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a missing tenant',
      { tenantUrl: undefined },
      /context dspm-bridge\.tenantUrl is not set: pass -c dspm-bridge\.tenantUrl=https:\/\/<tenant>\.goskope\.com to cdk, or set "tenantUrl" under context\.dspm-bridge in cdk\.json/,
    ],
    [
      'a tenant that is not Netskope',
      { tenantUrl: 'https://example.com' },
      /context dspm-bridge\.tenantUrl: host "example.com" is not a Netskope tenant .*; set dspm-bridge\.allowAnyHost: true only for local testing$/,
    ],
    [
      'a typo of a Netskope host (no switch suggested: it would send the token to the typo)',
      { tenantUrl: 'https://acme.goskpe.com' },
      /context dspm-bridge\.tenantUrl: host "acme.goskpe.com" is not a Netskope tenant .*; did you mean https:\/\/acme\.goskope\.com\?$/,
    ],
    [
      'a typo of the Netskope domain, hinted toward the domain (not DSPM_ALLOW_ANY_HOST)',
      { tenantUrl: 'https://acme.eu.goskpoe.com' },
      /^context dspm-bridge\.tenantUrl: host "acme\.eu\.goskpoe\.com" is not a Netskope tenant \(expected \*\.goskope\.com, \*\.netskope\.com, \*\.boomskope\.com\); did you mean https:\/\/acme\.eu\.goskope\.com\?$/,
    ],
    [
      'a typo of netskope.com',
      { tenantUrl: 'https://acme.netskop.com' },
      /did you mean https:\/\/acme\.netskope\.com\?$/,
    ],
    ['an unknown key', { pollEvery: 5 }, /context dspm-bridge: Unrecognized key: "pollEvery"/],
    [
      'a secret that is not an ARN',
      { tokenSecretArn: 'dspm/token' },
      /context dspm-bridge\.tokenSecretArn: must be an ARN of a Secrets Manager secret/,
    ],
    [
      'an unknown watched field',
      { watchedFields: ['colour'] },
      /context dspm-bridge\.watchedFields: names a field the poller cannot watch/,
    ],
    ['bands that go down', { riskBands: [50, 40, 90] }, /context dspm-bridge\.riskBands: must increase/],
    [
      'a ServiceNow URL over http',
      {
        serviceNow: {
          instanceUrl: 'http://acme.service-now.com',
          credentialsSecretArn: 'arn:aws:secretsmanager:x',
        },
      },
      /context dspm-bridge\.serviceNow\.instanceUrl: must be https/,
    ],
  ])('names the key for %s', (_case, config, message) => {
    expect(() => synthesize(config)).toThrow(message);
  });
});
