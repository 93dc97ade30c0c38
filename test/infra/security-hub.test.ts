/**
 * The optional Security Hub export in the template: nothing when off (the default); when on, the
 * rule on the finding events, the queue with its dead-letter queue, the function reading it in
 * batches of up to 100 with partial batch responses, IAM limited to the account's own default
 * product, and alarms on refused imports and dead letters, with cdk-nag green.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Resources of `type` whose logical id starts with `SecurityHub`. */
function exportResources(template: ReturnType<typeof synthesize>['template'], type: string) {
  return Object.entries(template.findResources(type)).filter(([id]) => id.startsWith('SecurityHub'));
}

describe('the Security Hub export', () => {
  it('deploys nothing by default', () => {
    // Arrange / Act
    const { template } = synthesize();
    // Assert
    for (const type of [
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::Lambda::Function',
      'AWS::CloudWatch::Alarm',
    ]) {
      expect(exportResources(template, type), type).toEqual([]);
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('securityhub:');
  });

  describe('when securityHub is true', () => {
    const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-securityhub-'));
    directories.push(directory);
    const { template } = synthesize({ securityHub: true }, { outdir: directory });

    it('routes every finding event of the bridge to its queue, suppressions included', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['netskope.dspm'],
          'detail-type': [
            'data-store-finding-opened',
            'data-store-finding-updated',
            'data-store-finding-resolved',
            'data-store-finding-suppressed',
            'data-store-finding-unsuppressed',
          ],
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityHubQueue'), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityHubDeadLetters'), 'Arn'] },
            },
          }),
        ],
      });
    });

    it('gives the queue a dead-letter queue after five receives', () => {
      const [queue] = exportResources(template, 'AWS::SQS::Queue').filter(([id]) =>
        id.startsWith('SecurityHubQueue'),
      );
      expect(queue?.[1]).toMatchObject({
        Properties: {
          VisibilityTimeout: 360,
          RedrivePolicy: {
            maxReceiveCount: 5,
            deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^SecurityHubDeadLetters/), 'Arn'] },
          },
        },
      });
    });

    it('reads the queue in batches of up to 100 with partial batch responses', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityHubQueue'), 'Arn'] },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('runs on Node.js 24 arm64 with the product ARN of the account in its environment', () => {
      const [fn] = exportResources(template, 'AWS::Lambda::Function');
      expect(fn?.[1]).toMatchObject({
        Properties: {
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Environment: {
            Variables: {
              SECURITY_HUB_PRODUCT_ARN: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':securityhub:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':product/',
                    { Ref: 'AWS::AccountId' },
                    '/default',
                  ],
                ],
              },
            },
          },
        },
      });
    });

    it('may import findings to its own default product, read its hub and set workflows there, nothing more of Security Hub', () => {
      const policies = exportResources(template, 'AWS::IAM::Policy');
      const statements = policies.flatMap(
        ([, policy]) =>
          (
            policy as {
              Properties: {
                PolicyDocument: {
                  Statement: {
                    Effect: string;
                    Action: string | string[];
                    Resource: unknown;
                    Condition?: unknown;
                  }[];
                };
              };
            }
          ).Properties.PolicyDocument.Statement,
      );
      const securityHub = statements.filter(
        (s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('securityhub:'),
      );
      expect(securityHub.map((s) => s.Action).sort()).toEqual([
        'securityhub:BatchImportFindings',
        'securityhub:BatchUpdateFindings',
        'securityhub:GetFindings',
      ]);
      expect(
        JSON.stringify(securityHub.find((s) => s.Action === 'securityhub:BatchUpdateFindings')?.Resource),
      ).toContain(':hub/default');
      // BatchUpdateFindings narrowed to SUPPRESSED and NEW, never the severity, as AWS documents.
      const denied = statements.filter((s) => s.Effect === 'Deny').map((s) => [s.Action, s.Condition]);
      expect(denied).toEqual([
        [
          'securityhub:BatchUpdateFindings',
          { StringNotEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NEW', 'SUPPRESSED'] } },
        ],
        [
          'securityhub:BatchUpdateFindings',
          { Null: { 'securityhub:ASFFSyntaxPath/Severity.Label': 'false' } },
        ],
      ]);
      const resources = JSON.stringify(securityHub.map((s) => s.Resource));
      expect(resources).toContain('/default');
      expect(resources).not.toContain('"*"');
      expect(
        JSON.stringify(securityHub.find((s) => s.Action === 'securityhub:BatchImportFindings')?.Resource),
      ).toContain(':product/');
    });

    it('alarms on refused imports, failed invocations and dead letters', () => {
      const descriptions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (alarm) => (alarm as { Properties: { AlarmDescription: string } }).Properties.AlarmDescription,
      );
      expect(descriptions).toEqual(
        expect.arrayContaining([
          expect.stringContaining('Security Hub refused finding imports'),
          'The Security Hub export Lambda failed invocations',
          'Messages are waiting in the SecurityHub dead-letter queue',
        ]),
      );
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'FindingsFailed',
        Namespace: 'DspmBridge',
        Dimensions: [{ Name: 'service', Value: 'dspm-bridge-security-hub' }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      });
    });

    it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
      const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
      };
      expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
        ['AwsSolutions', 'success', 0],
      ]);
    });
  });
});
