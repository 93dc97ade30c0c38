/**
 * The synthesized templates pass cdk-nag (AWS Solutions) and cfn-lint, and the bundled functions
 * the stack ships start: their entry points load and export a handler.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const ALL_OPTIONS = {
  backupEventSources: ['com.veeam.backup'],
  fixedEgressIp: true,
  alarmEmail: 'secops@example.com',
  securityHub: true,
  slack: {
    botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
    channel: '#dspm',
  },
  serviceNow: {
    instanceUrl: 'https://acme.service-now.com',
    credentialsSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:snow-AbCdEf',
  },
};

const directories: string[] = [];
const outdir = () => {
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-cdk-'));
  directories.push(directory);
  return directory;
};
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** cfn-lint's findings of `level` (E, W) in a template; throws loudly when cfn-lint is missing. */
function cfnLint(templatePath: string): string {
  try {
    return execFileSync('cfn-lint', ['--format', 'parseable', templatePath], { encoding: 'utf8' });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { status?: number; stdout?: string };
    if (failure.code === 'ENOENT')
      throw new Error('cfn-lint is not on PATH: install it (pip install cfn-lint) to check the templates');
    // Exit codes 2 (errors), 4 (warnings), 8 (informational) and their sums still print the findings.
    return failure.stdout ?? '';
  }
}

describe.each([
  ['defaults', {}],
  ['every option on', ALL_OPTIONS],
])('the stack with %s', (_name, config) => {
  const directory = outdir();
  const { assembly } = synthesize(config, { outdir: directory });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
    ]);
  });

  it('has no cfn-lint errors', () => {
    const template = assembly.getStackByName('DspmBridge').templateFullPath;
    const errors = cfnLint(template)
      .split('\n')
      .filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
  });
});

describe('the bundled functions', () => {
  it('load as the Lambda runtime loads them and export a handler', async () => {
    // Arrange: a real synth with esbuild bundling, as `cdk deploy` ships it.
    const directory = outdir();
    synthesize({}, { bundle: true, outdir: directory });
    const bundles = readdirSync(directory).filter((entry) => entry.startsWith('asset.'));
    expect(bundles).toHaveLength(3);
    const saved = { ...process.env };
    Object.assign(process.env, {
      DSPM_TENANT_URL: 'https://example.goskope.com',
      DSPM_API_TOKEN_SECRET_ID: 'dspm/token',
      EVENT_BUS_NAME: 'dspm-bridge',
      STATE_TABLE_NAME: 'state',
      AWS_REGION: 'us-east-1',
    });
    try {
      for (const bundle of bundles) {
        // Act: importing runs the cold start (configuration read, clients made); nothing is called.
        const module = (await import(join(directory, bundle, 'index.mjs'))) as { handler?: unknown };
        // Assert
        expect(typeof module.handler, bundle).toBe('function');
      }
    } finally {
      process.env = saved;
    }
  });
});
