/**
 * The CDK CLI users run, run the way they type it: `npm run synth` (the CLI's `cdk synth`, then
 * cfn-lint), `npx cdk synth` and `npx cdk ls` in the repository, offline and without credentials,
 * with the tenant passed as `-c`. Fails when the CLI and aws-cdk-lib drift apart (the CLI refuses
 * an assembly schema newer than it knows).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from 'aws-cdk-lib/cloud-assembly-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CdkRun,
  credentialFreeEnvironment,
  REPOSITORY_ROOT,
  runCdk,
  runNpm,
} from '../helpers/cdk-cli.ts';

const TENANT = '-c dspm-bridge.tenantUrl=https://acme.goskope.com'.split(' ');
/** Where `npm run synth` writes, as for a user (cdk.out is ignored by git). */
const outdir = join(REPOSITORY_ROOT, 'cdk.out');
const scratch = mkdtempSync(join(tmpdir(), 'dspm-bridge-cdk-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}
const template = (): Template =>
  JSON.parse(readFileSync(join(outdir, 'DspmBridge.template.json'), 'utf8')) as Template;

describe('npm run synth with the tenant as -c', () => {
  let synth: CdkRun;
  beforeAll(async () => {
    synth = await runNpm(
      ['run', 'synth', '--', ...TENANT, '-c', 'dspm-bridge.pollIntervalMinutes=20'],
      credentialFreeEnvironment(),
    );
  }, 360_000);

  it('runs the CDK CLI, then cfn-lint on what it wrote, and succeeds', () => {
    expect(synth.stderr).not.toMatch(/schema version mismatch|not compatible/i);
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.stdout).toContain('> cdk synth --quiet -c dspm-bridge.tenantUrl=https://acme.goskope.com');
    expect(synth.stdout).toContain(
      '> cfn-lint --non-zero-exit-code error cdk.out/DspmBridge.template.json cdk.out/DspmBridgeBackupForwarder.template.json',
    );
  });

  it('writes the template and the bundled functions', () => {
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      version: string;
      artifacts: Record<string, { type: string }>;
    };
    expect(manifest.artifacts.DspmBridge?.type).toBe('aws:cloudformation:stack');
    const functions = Object.values(template().Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
  });

  it('takes the -c values: the tenant as text, the interval as a number', () => {
    const resources = Object.values(template().Resources);
    const variables = resources
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map(
        (r) => (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      );
    // The tagger and the sweep name the tenant; the poller lists it in DSPM_TENANTS (a JSON text
    // joined with the secret's ARN, so the template holds it as Fn::Join parts).
    expect(variables.map((v) => v?.DSPM_TENANT_URL).filter(Boolean)).toEqual(
      Array(2).fill('https://acme.goskope.com'),
    );
    const listed = variables.filter((v) => v?.DSPM_TENANTS !== undefined);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed[0]?.DSPM_TENANTS)).toContain('https://acme.goskope.com');
    // The missing-poll alarm waits two intervals: 2 x 20 minutes.
    const periods = resources
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties?.Period);
    expect(periods).toContain(2400);
  });

  it('writes the assembly schema version this aws-cdk-lib writes, which the CLI supports', async () => {
    const written = (JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { version: string })
      .version;
    expect(written).toBe(Manifest.version());
    // Ask the CLI for the newest major it reads: hand it a copy claiming a far newer schema.
    const newer = join(scratch, 'newer');
    try {
      mkdirSync(newer);
      cpSync(join(outdir, 'manifest.json'), join(newer, 'manifest.json'));
      cpSync(join(outdir, 'DspmBridge.template.json'), join(newer, 'DspmBridge.template.json'));
      const manifest = JSON.parse(readFileSync(join(newer, 'manifest.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      writeFileSync(join(newer, 'manifest.json'), JSON.stringify({ ...manifest, version: '999.0.0' }));
      const refused = await runCdk(['ls', '--no-notices', '--app', newer]);
      expect(refused.code).not.toBe(0);
      const supported = /Maximum schema version supported is (\d+)\.x\.x/.exec(refused.stderr)?.[1];
      expect(supported, refused.stderr).toBeDefined();
      expect(Number(supported)).toBeGreaterThanOrEqual(Number(written.split('.')[0]));
    } finally {
      rmSync(newer, { recursive: true, force: true });
    }
  });

  it('lists the stack from the synthesized assembly: npx cdk ls --app cdk.out', async () => {
    const listed = await runCdk(['ls', '--no-notices', '--app', outdir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'DspmBridge',
      'DspmBridgeBackupForwarder',
      'DspmBridgeBackupReader',
    ]);
  });

  it('writes the backup forwarder as a template a StackSet can take: no bootstrap, no assets, one parameter', () => {
    const text = readFileSync(join(outdir, 'DspmBridgeBackupForwarder.template.json'), 'utf8');
    const forwarder = JSON.parse(text) as Template & {
      Parameters?: Record<string, unknown>;
      Rules?: unknown;
    };
    expect(Object.keys(forwarder.Parameters ?? {})).toEqual(['BridgeEventBusArn']);
    expect(forwarder.Rules).toBeUndefined();
    expect(text).not.toMatch(/BootstrapVersion|cdk-hnb659fds|AWS::CDK::Metadata/);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; dependencies?: string[] }>;
    };
    expect(manifest.artifacts.DspmBridgeBackupForwarder?.dependencies ?? []).toEqual([]);
    expect(Object.keys(manifest.artifacts)).not.toContain('DspmBridgeBackupForwarder.assets');
  });
});

describe('npx cdk synth DspmBridgeBackupForwarder, as docs/operations.md has it', () => {
  it('writes the forwarder template, with the generic sources of the configuration', async () => {
    // As documented, with the tenant as -c and a scratch output directory (cdk.out is the test above's).
    const run = await runCdk([
      'synth',
      'DspmBridgeBackupForwarder',
      '--quiet',
      '--no-notices',
      ...TENANT,
      '-c',
      'dspm-bridge.backupEventSources=["com.veeam.backup"]',
      '-o',
      join(scratch, 'forwarder'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('Resources:');
    const written = readFileSync(
      join(scratch, 'forwarder', 'DspmBridgeBackupForwarder.template.json'),
      'utf8',
    );
    expect(written).toContain('"com.veeam.backup"');
    expect(
      Object.values((JSON.parse(written) as Template).Resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual([
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
  });
});

describe('without a tenant', () => {
  it('npx cdk synth fails naming the key and how to set it', async () => {
    const run = await runCdk(['synth', '--no-notices', '-o', join(scratch, 'no-tenant')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'dspm-bridge: context dspm-bridge.tenantUrl is not set: pass -c dspm-bridge.tenantUrl=https://<tenant>.goskope.com to cdk, or set "tenantUrl" under context.dspm-bridge in cdk.json',
    );
  });

  it('cdk.json ships no tenant, placeholder or otherwise', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, Record<string, unknown>>;
    };
    expect(cdkJson.context['dspm-bridge']).not.toHaveProperty('tenantUrl');
  });
});

describe('a typo of the Netskope domain', () => {
  it('is hinted toward the Netskope domain, not toward DSPM_ALLOW_ANY_HOST', async () => {
    const run = await runCdk(['ls', '--no-notices', '-c', 'dspm-bridge.tenantUrl=https://acme.goskope.co']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('did you mean https://acme.goskope.com?');
    expect(run.stderr).not.toContain('DSPM_ALLOW_ANY_HOST');
  });
});
