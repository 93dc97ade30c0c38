/**
 * The shipped poller bundle (the asset of a real synth, not the sources), run in its own process
 * as Lambda runs it (`NODE_OPTIONS=--enable-source-maps`, the AWS SDK provided beside it), against
 * moto and the simulator with a token the tenant refuses: the error names its class
 * (`DspmAuthError`, not a minifier's two letters) and its stack trace points into the sources.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '#simulator/server.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { synthesize } from '../../helpers/stack.ts';

const run = promisify(execFile);

/** Imports the bundle, invokes its handler once with the event in argv, and prints how it failed as JSON. */
const INVOKE = `
const { handler } = await import(process.argv[2]);
const event = JSON.parse(process.argv[3]);
const context = { functionName: 'poller', functionVersion: '$LATEST', awsRequestId: 'r-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:poller', memoryLimitInMB: '1024',
  logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 60000, callbackWaitsForEmptyEventLoop: false };
try {
  await handler(event, context);
  console.log(JSON.stringify({ failed: false }));
} catch (error) {
  console.log(JSON.stringify({ failed: true, name: error.name, constructor: error.constructor.name, stack: error.stack }));
}
`;

describe('the shipped poller bundle failing on a refused token', () => {
  let bridge: MotoBridge;
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-bundle-errors-'));
  let sim: RunningSimulator;
  let bundle: string;
  let env: MotoBridge['env'];

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'bundle',
      simulator: { tokens: [{ token: 'the-token-the-tenant-knows', access: 'read' }] },
      secret: JSON.stringify({ token: 'a-token-it-does-not-know' }),
      // The bundle runs in a process of its own: this one's environment stays as it is.
      setProcessEnv: false,
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--enable-source-maps' },
    });
    ({ sim, env } = bridge);
    const { template } = synthesize({}, { bundle: true, outdir: directory });
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: 'Polls Netskope One DSPM and publishes data store risk changes' },
    }) as Record<string, { Properties: { Code: { S3Key: string } } }>;
    const [poller] = Object.values(functions);
    bundle = join(directory, `asset.${poller?.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    // The AWS SDK is external in the bundle, as the Lambda runtime provides it.
    mkdirSync(join(directory, 'node_modules'));
    symlinkSync(
      fileURLToPath(new URL('../../../node_modules/@aws-sdk', import.meta.url)),
      join(directory, 'node_modules', '@aws-sdk'),
    );
    writeFileSync(join(directory, 'invoke.mjs'), INVOKE);
  });

  afterAll(async () => {
    await bridge.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('throws DspmAuthError by name, with a stack trace into the sources', async () => {
    // Act: a chunk, as the poll workflow's task state sends it.
    const tenant = new URL(sim.url).host;
    const event = JSON.stringify({ step: 'chunk', tenant, runId: `execution/${tenant}` });
    const { stdout } = await run(process.execPath, [join(directory, 'invoke.mjs'), bundle, event], { env });
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      failed: boolean;
      name?: string;
      constructor?: string;
      stack?: string;
    };
    // Assert
    expect(outcome).toMatchObject({ failed: true, name: 'DspmAuthError', constructor: 'DspmAuthError' });
    expect(outcome.stack).toMatch(/^DspmAuthError: /);
    expect(outcome.stack).toMatch(/shared\/dspm\/(transport|errors)\.ts:\d+:\d+/);
    expect(stdout).not.toContain('a-token-it-does-not-know');
  });
});
