/**
 * The construct library as a CDK team gets it: `npm pack` (which builds the bundles and the
 * construct on `prepack`), then a fresh app in a scratch directory, plain JavaScript, with its
 * own aws-cdk-lib, constructs, cdk-nag and CDK CLI from npm (the versions of our lockfile, installed
 * by `npm ci --offline` from npm's cache: test/helpers/consumer-lockfile.ts) and the tarball, then the real `cdk synth` there. Nothing
 * of the checkout is reachable from that app; no esbuild, and no Docker (CDK_DOCKER names none).
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFreeEnvironment, REPOSITORY_ROOT } from '../../helpers/cdk-cli.ts';
import { consumerLockfile, type PackedTarball } from '../../helpers/consumer-lockfile.ts';
import { synthesize } from '../../helpers/stack.ts';

const run = promisify(execFile);
const TENANT = 'https://acme.goskope.com';

/** The consumer's app: a stack with the bridge, its accessors wired to outputs, cdk-nag on. */
const APP_JS = `const { App, CfnOutput, Stack, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { DspmBridge } = require('dspm-bridge/cdk');

const app = new App();
const stack = new Stack(app, 'Consumer');
const bridge = new DspmBridge(stack, 'Dspm', { tenantUrl: '${TENANT}' });
new CfnOutput(stack, 'Bus', { value: bridge.bus.eventBusArn });
new CfnOutput(stack, 'Alarms', { value: bridge.alarmTopic.topicArn });
new CfnOutput(stack, 'Table', { value: bridge.stateTable.tableName });
new CfnOutput(stack, 'Workflow', { value: bridge.workflow.stateMachineArn });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
`;

/** A TypeScript consumer, checked against the published declarations only. */
const TYPED_TS = `import { App, Stack } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { BackupForwarderStack, DspmBridge, type DspmBridgeProps } from 'dspm-bridge/cdk';

const props: DspmBridgeProps = { tenantUrl: '${TENANT}', slack: { botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:s', channel: '#dspm' } };
const bridge = new DspmBridge(new Stack(new App(), 'S'), 'D', props);
export const topic: ITopic = bridge.alarmTopic;
new BackupForwarderStack(new App(), 'F', { genericSources: ['com.veeam.backup'] });
// @ts-expect-error rpoHours is a number of hours
export const wrong: DspmBridgeProps = { tenantUrl: '${TENANT}', rpoHours: '26' };
`;

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** The asset key of a function's code (`<hash>.zip`). */
const codeKey = (fn: Resource) => (fn.Properties?.Code as { S3Key?: string } | undefined)?.S3Key ?? '';

describe('the packed construct library in a fresh CDK app', () => {
  let directory: string;
  let consumer: string;
  let synth: { code: number; stdout: string; stderr: string };
  let resources: Record<string, Resource>;
  let outputs: Record<string, { Value: unknown }>;
  /** The repository's app with the same props, from the bundles the tests run (dist/lambda). */
  let ours: ReturnType<typeof synthesize>['template'];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-construct-'));
    consumer = join(directory, 'app');
    mkdirSync(consumer);
    const packed = await run('npm', ['pack', '--json', '--pack-destination', consumer], {
      cwd: REPOSITORY_ROOT,
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [report] = JSON.parse(packed.stdout) as PackedTarball[];
    if (!report) throw new Error(`npm pack reported nothing: ${packed.stdout}`);

    const { manifest, lock } = consumerLockfile(['aws-cdk-lib', 'constructs', 'aws-cdk', 'cdk-nag'], report);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 2));
    writeFileSync(join(consumer, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    writeFileSync(join(consumer, 'app.js'), APP_JS);
    // One install, offline: the locked versions are in npm's cache since our own `npm ci`.
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
      cwd: consumer,
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    synth = await run('npx', ['--no-install', 'cdk', 'synth', '--quiet', '--no-notices'], {
      cwd: consumer,
      // A Docker that does not exist: any bundling in a container would fail the synth.
      env: credentialFreeEnvironment({ CDK_DOCKER: join(directory, 'no-docker') }),
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof error.code === 'number' ? error.code : 1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    );
    if (synth.code === 0) {
      const template = JSON.parse(
        readFileSync(join(consumer, 'cdk.out', 'Consumer.template.json'), 'utf8'),
      ) as {
        Resources: Record<string, Resource>;
        Outputs: Record<string, { Value: unknown }>;
      };
      resources = template.Resources;
      outputs = template.Outputs;
    }
    ours = synthesize({ tenantUrl: TENANT }).template;
  }, 900_000);
  afterAll(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('installs without esbuild anywhere in the consumer', () => {
    expect(existsSync(join(consumer, 'node_modules', 'esbuild'))).toBe(false);
    expect(() => createRequire(join(consumer, 'app.js')).resolve('esbuild')).toThrow(/Cannot find module/);
    expect(existsSync(join(consumer, 'node_modules', 'dspm-bridge', 'dist', 'cdk', 'index.mjs'))).toBe(true);
  });

  it('synthesizes with the real cdk synth', () => {
    expect(synth.code, synth.stderr).toBe(0);
  });

  it("has the bridge's three functions, their code the bundles shipped in the package", () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    const shipped = join(consumer, 'node_modules', 'dspm-bridge', 'dist', 'lambda');
    for (const [id, fn] of functions) {
      const key = codeKey(fn);
      const asset = join(consumer, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
      const name = /^DspmPoller/.test(id)
        ? 'poll-data-stores'
        : /^DspmTagger/.test(id)
          ? 'tag-unprotected'
          : 'sweep-coverage';
      expect(readdirSync(asset).sort(), id).toEqual(['index.mjs', 'index.mjs.map']);
      expect(
        readFileSync(join(asset, 'index.mjs')).equals(readFileSync(join(shipped, name, 'index.mjs'))),
        id,
      ).toBe(true);
      expect(fn.Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    }
  });

  it("deploys the bytes the repository's app deploys and its tests run: the same asset hashes", () => {
    const keys = (found: Record<string, Resource>) => Object.values(found).map(codeKey).sort();
    expect(keys(Object.fromEntries(ofType('AWS::Lambda::Function')))).toEqual(
      keys(ours.findResources('AWS::Lambda::Function') as Record<string, Resource>),
    );
  });

  it('has the bus with its archive, the workflow, the alarms and their topic', () => {
    expect(ofType('AWS::Events::EventBus').map(([, r]) => r.Properties?.Name)).toEqual(['dspm-bridge']);
    expect(ofType('AWS::Events::Archive')).toHaveLength(1);
    expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    // The state table and the exceptions' append-only audit table.
    expect(
      ofType('AWS::DynamoDB::Table')
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(['DspmExceptionAuditTable', 'DspmStateTable']);
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('AWS::CloudWatch::Alarm').length).toBe(
      Object.keys(ours.findResources('AWS::CloudWatch::Alarm')).length,
    );
    expect(ofType('AWS::CloudWatch::Alarm').length).toBeGreaterThan(5);
  });

  it('hands the consumer the bus, the alarm topic, the state table and the workflow', () => {
    const only = (type: string) => ofType(type)[0]?.[0];
    expect(outputs.Bus?.Value).toEqual({ 'Fn::GetAtt': [only('AWS::Events::EventBus'), 'Arn'] });
    expect(outputs.Alarms?.Value).toEqual({ Ref: only('AWS::SNS::Topic') });
    const stateTable = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('DspmStateTable'))?.[0];
    expect(outputs.Table?.Value).toEqual({ Ref: stateTable });
    expect(outputs.Workflow?.Value).toEqual({ Ref: only('AWS::StepFunctions::StateMachine') });
  });

  it("is cdk-nag clean in the consumer's stack: the acknowledgements travel with the construct", () => {
    const report = JSON.parse(readFileSync(join(consumer, 'cdk.out', 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
    ]);
  });

  it('refuses bad props when constructed, naming the prop as the app names the context key', async () => {
    const failed = await run(
      process.execPath,
      [
        '-e',
        `const { App, Stack } = require('aws-cdk-lib');
         const { DspmBridge } = require('dspm-bridge/cdk');
         new DspmBridge(new Stack(new App(), 'S'), 'D', { tenantUrl: 'https://acme.goskope.co', rpoHours: 26 });`,
      ],
      { cwd: consumer },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain(
      'ConfigError: DspmBridge props.tenantUrl: host "acme.goskope.co" is not a Netskope tenant',
    );
  });

  it('types the props for a TypeScript consumer from the published declarations', async () => {
    writeFileSync(join(consumer, 'typed.ts'), TYPED_TS);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(REPOSITORY_ROOT, 'node_modules', '.bin', 'tsc');
    const checked = await run(tsc, ['-p', 'tsconfig.json'], { cwd: consumer, timeout: 300_000 }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(checked.stdout).toBe('');
    expect(checked.code).toBe(0);
  });
});
