/**
 * The coverage sweep's way into other accounts: with `backupInventoryRoleName`, the coverage
 * function assumes that role (and only that one) and is told its name; the DspmBridgeBackupReader
 * stack creates it, read-only and trusted by the coverage role alone. Both pass cdk-nag and
 * cfn-lint.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const ROLE = 'acme-backup-read';
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-reader-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type FunctionResource = {
  Properties: { Description: string; Environment: { Variables: Record<string, unknown> } };
};
const coverageOf = (template: Template) =>
  (Object.values(template.findResources('AWS::Lambda::Function')) as FunctionResource[]).find((fn) =>
    /no successful backup/.test(fn.Properties.Description),
  );
const assumeRoleStatements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (
      policy as {
        Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
      }
    ).Properties.PolicyDocument.Statement.filter((s) => [s.Action].flat().includes('sts:AssumeRole')),
  );

describe('without backupInventoryRoleName', () => {
  const { template } = synthesize();

  it('asks AWS Backup in its own account only: no role to assume, none named', () => {
    expect(coverageOf(template)?.Properties.Environment.Variables).not.toHaveProperty(
      'BACKUP_INVENTORY_ROLE',
    );
    expect(assumeRoleStatements(template)).toEqual([]);
    template.hasOutput('CoverageRoleArn', {});
  });
});

describe('with backupInventoryRoleName', () => {
  const synthesized = synthesize({ backupInventoryRoleName: ROLE }, { outdir: directory });
  const reader = Template.fromStack(synthesized.app.node.findChild('DspmBridgeBackupReader') as Stack);

  it('tells the sweep the role and lets it assume that role, in any account, and nothing else', () => {
    expect(coverageOf(synthesized.template)?.Properties.Environment.Variables).toMatchObject({
      BACKUP_INVENTORY_ROLE: ROLE,
    });
    expect(assumeRoleStatements(synthesized.template)).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/${ROLE}`]] },
      }),
    ]);
  });

  it('creates the reader role under that name, trusted by the coverage role alone, reading recovery points only', () => {
    reader.resourceCountIs('AWS::IAM::Role', 1);
    reader.hasResourceProperties('AWS::IAM::Role', {
      RoleName: ROLE,
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { AWS: { Ref: 'CoverageRoleArn' } } }),
        ],
      },
      Policies: [
        {
          PolicyName: 'RecoveryPoints',
          PolicyDocument: Match.objectLike({
            Statement: [{ Action: 'backup:ListRecoveryPointsByResource', Effect: 'Allow', Resource: '*' }],
          }),
        },
      ],
    });
    // A StackSet template: a parameter for the trust, nothing that needs bootstrap.
    expect(Object.keys(reader.toJSON().Parameters ?? {})).toEqual(['CoverageRoleArn']);
    expect(JSON.stringify(reader.toJSON())).not.toMatch(/BootstrapVersion|cdk-hnb659fds/);
  });

  it('has no unacknowledged cdk-nag finding, and no cfn-lint error or warning in the reader', () => {
    const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
    ]);
    const template = synthesized.assembly.getStackByName('DspmBridgeBackupReader').templateFullPath;
    let findings = '';
    try {
      findings = execFileSync('cfn-lint', ['--format', 'parseable', template], { encoding: 'utf8' });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stdout?: string };
      if (failure.code === 'ENOENT') throw new Error('cfn-lint is not on PATH: it checks the templates');
      findings = failure.stdout ?? '';
    }
    expect(findings.split('\n').filter((line) => /:[EW]\d{4}:/.test(line))).toEqual([]);
  });

  it('refuses a role name IAM would refuse, naming the key', () => {
    expect(() => synthesize({ backupInventoryRoleName: 'not a role/name' })).toThrow(
      /context dspm-bridge\.backupInventoryRoleName: must be an IAM role name/,
    );
  });
});
