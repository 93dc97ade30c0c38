/**
 * Org-wide backup intake, from the synthesized templates: the forwarder stack member accounts
 * deploy as a StackSet (its rules, target, role and dead-letter queue), the bridge bus's policy
 * for the organization and for listed accounts, and the intake rule that takes forwarded events
 * off the bridge's bus. Both templates pass cdk-nag and cfn-lint with every intake option on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const ORGANIZATION = 'o-a1b2c3d4e5';
const ACCOUNTS = ['111122223333', '444455556666'];
const AWS_BACKUP_TYPES = ['Backup Job State Change', 'Recovery Point State Change'];

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Both stacks from `config`, with the forwarder's template. */
function synthesizeBoth(config: Record<string, unknown>, outdir?: string) {
  const synthesized = synthesize(config, outdir ? { outdir } : {});
  const forwarderStack = synthesized.app.node.findChild('DspmBridgeBackupForwarder');
  return { ...synthesized, forwarder: Template.fromStack(forwarderStack as Stack) };
}

type Statement = {
  Sid: string;
  Principal: unknown;
  Action: string;
  Resource: unknown;
  Condition: Record<string, Record<string, unknown>>;
};
const busPolicies = (template: Template) =>
  Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
    (r) =>
      (r as { Properties: { EventBusName: unknown; StatementId: string; Statement: Statement } }).Properties,
  );

/** `Fn::Select [index, Fn::Split [":", Ref BridgeEventBusArn]]`: one part of the bus ARN. */
const arnPart = (index: number) => ({
  'Fn::Select': [index, { 'Fn::Split': [':', { Ref: 'BridgeEventBusArn' }] }],
});

describe('the backup forwarder stack', () => {
  const { forwarder } = synthesizeBoth({ backupEventSources: ['com.veeam.backup'] });

  it("forwards AWS Backup's job and recovery point events, except in the bridge's own account and region", () => {
    forwarder.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(), // the default bus, where AWS Backup publishes
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': AWS_BACKUP_TYPES,
        $or: [{ account: [{ 'anything-but': arnPart(4) }] }, { region: [{ 'anything-but': arnPart(3) }] }],
      },
    });
  });

  it('forwards the generic contract of the configured sources from everywhere, the bridge account included', () => {
    forwarder.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.veeam.backup'], 'detail-type': ['backup-protection-changed'] },
    });
  });

  it('targets the bus named by the BridgeEventBusArn parameter, with the forwarding role and the dead-letter queue', () => {
    const rules = Object.values(forwarder.findResources('AWS::Events::Rule')) as {
      Properties: { Targets: Record<string, unknown>[] };
    }[];
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { Ref: 'BridgeEventBusArn' },
          RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardRole/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetters/), 'Arn'] } },
        },
      ]);
    }
    forwarder.hasParameter('BridgeEventBusArn', {
      Type: 'String',
      AllowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$',
    });
  });

  it('lets the role put events on that one bus and nothing else, assumed by EventBridge for this account only', () => {
    const policies = Object.values(forwarder.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    }[];
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'BridgeEventBusArn' } },
    ]);
    forwarder.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
        Version: '2012-10-17',
      },
      RoleName: Match.absent(), // one account holds an instance per region: names must not collide
    });
  });

  it('names nothing and looks nothing up, so one template serves every account and region', () => {
    const text = JSON.stringify(forwarder.toJSON());
    expect(text).not.toMatch(/"(RoleName|QueueName|Name)"/);
    expect(text).not.toMatch(/BootstrapVersion|cdk-hnb659fds|AWS::CDK::Metadata|Fn::ImportValue/);
  });

  it('has no generic rule when no generic source is configured', () => {
    const { forwarder: plain } = synthesizeBoth({});
    plain.resourceCountIs('AWS::Events::Rule', 1);
  });
});

describe("the bridge bus's policy", () => {
  it('admits no other account by default', () => {
    const { template } = synthesize({});
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it("admits the organization's principals, for the backup sources and detail types only", () => {
    const { template } = synthesize({
      organizationId: ORGANIZATION,
      backupEventSources: ['com.veeam.backup'],
    });
    expect(busPolicies(template)).toEqual([
      {
        EventBusName: { Ref: expect.stringMatching(/^EventsBus/) },
        StatementId: 'dspm-bridge-BackupSendersOrganization',
        Statement: {
          Sid: 'dspm-bridge-BackupSendersOrganization',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'events:PutEvents',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] },
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION },
            'ForAllValues:StringEquals': {
              'events:source': ['aws.backup', 'com.veeam.backup'],
              'events:detail-type': [...AWS_BACKUP_TYPES, 'backup-protection-changed'],
            },
          },
        },
      },
    ]);
  });

  it('admits the listed accounts, and never the bridge events of netskope.dspm', () => {
    const { template } = synthesize({ backupSourceAccounts: ACCOUNTS });
    const [policy, ...others] = busPolicies(template);
    expect(others).toEqual([]);
    expect(policy?.Statement.Principal).toEqual({
      AWS: ACCOUNTS.map((account) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
      })),
    });
    expect(policy?.Statement.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'events:source': ['aws.backup'],
        'events:detail-type': AWS_BACKUP_TYPES,
      },
    });
  });

  it('has one statement each when both the organization and accounts are given', () => {
    const { template } = synthesize({ organizationId: ORGANIZATION, backupSourceAccounts: ACCOUNTS });
    expect(busPolicies(template).map((p) => p.StatementId)).toEqual([
      'dspm-bridge-BackupSendersOrganization',
      'dspm-bridge-BackupSendersAccounts',
    ]);
  });

  it('goes on an imported bus by its name', () => {
    const { template } = synthesize({
      organizationId: ORGANIZATION,
      importEventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/central',
    });
    expect(busPolicies(template).map((p) => [p.EventBusName, p.Statement.Resource])).toEqual([
      ['central', 'arn:aws:events:us-west-2:123456789012:event-bus/central'],
    ]);
  });
});

describe('the intake', () => {
  it("takes AWS Backup's events off the default bus and, forwarded, off the bridge's bus, into the tagger's queue", () => {
    const { template } = synthesize({});
    const queue = { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupIntakeQueue'), 'Arn'] };
    const pattern = { source: ['aws.backup'], 'detail-type': AWS_BACKUP_TYPES };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: queue, SqsParameters: { MessageGroupId: 'aws-backup' } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^EventsBus') },
      // No account or region in the pattern: forwarded events keep the ones they happened in.
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: queue, SqsParameters: { MessageGroupId: 'aws-backup-forwarded' } })],
    });
  });

  it('has one rule for the default bus only when the default bus is the bridge bus', () => {
    const { template } = synthesize({
      importEventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default',
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
  });
});

describe('configuration of the senders', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an organization id that is an account id',
      { organizationId: '111122223333' },
      /^context dspm-bridge\.organizationId: "111122223333" is not an AWS Organizations id: it is "o-" and 10 to 32 lowercase letters or digits \(aws organizations describe-organization --query Organization\.Id\)$/,
    ],
    [
      'an organization id in capitals',
      { organizationId: 'o-A1B2C3D4E5' },
      /organizationId: "o-A1B2C3D4E5" is not/,
    ],
    [
      'an account id of 11 digits',
      { backupSourceAccounts: ['111122223333', '12345678901'] },
      /^context dspm-bridge\.backupSourceAccounts\.1: "12345678901" is not an AWS account id: it is 12 digits, as a string$/,
    ],
    [
      'an account id as a number (leading zeros would be lost)',
      { backupSourceAccounts: [111122223333] },
      /^context dspm-bridge\.backupSourceAccounts\.0: must be a list of account ids as strings \("111122223333"\), quoted so leading zeros stay$/,
    ],
    [
      'one account instead of a list',
      { backupSourceAccounts: '111122223333' },
      /^context dspm-bridge\.backupSourceAccounts: must be a list of 12-digit account ids as strings, e\.g\. \["111122223333"\]$/,
    ],
  ])('names the key and the value for %s', (_case, config, message) => {
    expect(() => synthesize(config)).toThrow(message);
  });
});

describe.each([
  ['the organization', { organizationId: ORGANIZATION }],
  [
    'listed accounts and a generic source',
    { backupSourceAccounts: ACCOUNTS, backupEventSources: ['com.veeam.backup'] },
  ],
])('with %s', (_name, config) => {
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-org-intake-'));
  directories.push(directory);
  const { assembly } = synthesizeBoth(config, directory);

  it('has no unacknowledged cdk-nag AwsSolutions finding in either stack', () => {
    const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
    ]);
  });

  it.each(['DspmBridge', 'DspmBridgeBackupForwarder'])(
    'has no cfn-lint error or warning in %s',
    (stackName) => {
      const template = assembly.getStackByName(stackName).templateFullPath;
      const findings = cfnLint(template)
        .split('\n')
        .filter((line) => /:[EW]\d{4}:/.test(line))
        // The CDK's own Lambda roles (not this change) carry a redundant DependsOn.
        .filter((line) => !/:W3005:/.test(line));
      expect(findings).toEqual([]);
    },
  );
});

/** cfn-lint's parseable findings for a template; throws loudly when cfn-lint is missing. */
function cfnLint(templatePath: string): string {
  try {
    return execFileSync('cfn-lint', ['--format', 'parseable', templatePath], { encoding: 'utf8' });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string };
    if (failure.code === 'ENOENT')
      throw new Error('cfn-lint is not on PATH: install it (pip install cfn-lint) to check the templates');
    return failure.stdout ?? '';
  }
}
