/**
 * The ServiceNow follower in the synthesized template: the rule that picks finding events, its
 * FIFO queue and dead-letter queue (with an alarm), the function's environment, and a role that
 * may do exactly what the function's code does and nothing else.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:snow-AbCdEf';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the ServiceNow follower', () => {
  const { template } = synthesize({
    serviceNow: { instanceUrl: 'https://acme.service-now.com', credentialsSecretArn: SECRET },
  });
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const followerId = Object.keys(resources).find(
    (id) => resources[id]?.Type === 'AWS::Lambda::Function' && id.startsWith('ServiceNowFollower'),
  );
  const follower = resources[followerId ?? ''] as Resource;

  it('follows the five finding events of every condition, skipping baseline occurrences by default', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: Match.stringLikeRegexp('ServiceNow follows'),
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
          baseline: [false],
        },
      },
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'findings' } })],
    });
  });

  it('sends them through a FIFO queue with content-based deduplication and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      VisibilityTimeout: 360,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 8 }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const names = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(names.some((n) => n.startsWith('AlarmsServiceNowDeadLetters'))).toBe(true);
  });

  it('runs the function with the instance, table, secret and defaults as its environment', () => {
    expect(followerId).toBeDefined();
    const env = (follower.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com',
      SERVICENOW_TABLE: 'incident',
      SERVICENOW_CREDENTIALS_SECRET_ID: SECRET,
      SERVICENOW_CREATE_MIN_SEVERITY: 'high',
      SERVICENOW_CLOSE_CODE: 'Solution provided',
      SERVICENOW_SUPPRESSED_CLOSE_CODE: 'No resolution provided',
      SERVICENOW_LEASE_SECONDS: '120',
    });
    expect(JSON.stringify(env)).not.toMatch(/password/i);
  });

  it('lets the function update its own table, read the one secret, and send to its dead-letter queue, nothing more', () => {
    const role = (follower.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role),
    );
    const actions = policies
      .flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((statement) => statement.Action)
      .sort();
    expect([...new Set(actions)]).toEqual(
      [
        'dynamodb:UpdateItem',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('takes the followed conditions, the baseline choice and the minimum severity from the configuration', () => {
    const { template: custom } = synthesize({
      serviceNow: {
        instanceUrl: 'https://acme.service-now.com',
        credentialsSecretArn: SECRET,
        conditions: ['public-access'],
        followBaseline: true,
        createMinimumSeverity: 'medium',
      },
    });
    custom.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { condition: ['public-access'] } }),
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SERVICENOW_CREATE_MIN_SEVERITY: 'medium' }) },
    });
  });

  it("writes Security Incident Response's own close codes when the table is sn_si_incident", () => {
    const { template: sir } = synthesize({
      serviceNow: {
        instanceUrl: 'https://acme.service-now.com',
        credentialsSecretArn: SECRET,
        table: 'sn_si_incident',
      },
    });
    sir.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SERVICENOW_TABLE: 'sn_si_incident',
          SERVICENOW_CLOSE_CODE: 'Threat mitigated',
          SERVICENOW_SUPPRESSED_CLOSE_CODE: 'Not resolved',
        }),
      },
    });
  });

  it('still synthesizes a configuration written for the earlier API destination', () => {
    expect(() =>
      synthesize({
        serviceNow: {
          instanceUrl: 'https://acme.service-now.com',
          credentialsSecretArn: SECRET,
          invocationsPerSecond: 5,
        },
      }),
    ).not.toThrow();
  });

  it.each([
    ['a mistyped domain', 'https://acme.service-now.co'],
    ['a host that only ends like an instance', 'https://acme.service-now.com.example.net'],
    ['a path after the host', 'https://acme.service-now.com/now/nav'],
    ['an IP address', 'https://127.0.0.1:8443'],
  ])('fails the synth naming serviceNow.instanceUrl for %s', (_case, instanceUrl) => {
    expect(() => synthesize({ serviceNow: { instanceUrl, credentialsSecretArn: SECRET } })).toThrow(
      /context dspm-bridge\.serviceNow\.instanceUrl: must be https:\/\/<instance>\.service-now\.com .*serviceNow\.customDomain/,
    );
  });

  it('takes another https host when customDomain is set, and still refuses http', () => {
    const custom = {
      instanceUrl: 'https://itsm.example.com',
      credentialsSecretArn: SECRET,
      customDomain: true,
    };
    const { template: synthesized } = synthesize({ serviceNow: custom });
    synthesized.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SERVICENOW_INSTANCE_URL: 'https://itsm.example.com' }) },
    });
    expect(() => synthesize({ serviceNow: { ...custom, instanceUrl: 'http://itsm.example.com' } })).toThrow(
      /serviceNow\.instanceUrl: must be https/,
    );
  });
});
