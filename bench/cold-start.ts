/**
 * bench:cold-start — what each shipped bundle costs at a Lambda cold start: the time to import it
 * (configuration read, clients made, nothing invoked) and the process's RSS afterwards, against a
 * baseline bundle that imports and makes only the AWS SDK clients the functions use, measured in
 * the same run.
 *
 *   npm run bench:cold-start              9 runs of each, interleaved
 *   npm run bench:cold-start -- --runs 5
 *
 * The bundles are the asset folders of a real synth (the prebuilt bundles of
 * infra/function-bundles.ts, exactly what `cdk deploy` uploads); the baseline is built with the
 * same esbuild options. The AWS SDK is
 * external in every bundle, as the Lambda runtime provides it: here from a node_modules folder
 * beside the assets. Each import runs in a fresh process (`NODE_OPTIONS` as the functions set it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { buildApp } from '../infra/app.ts';
import { buildFunctionBundles, FUNCTION_BUNDLE_OPTIONS } from '../infra/function-bundles.ts';
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 50)
  throw new Error('--runs must be an integer from 1 to 50');
/** The import-time target: at most this many times the SDK-only baseline's. */
const TARGET_RATIO = 2;

const root = fileURLToPath(new URL('../', import.meta.url));
const progress = (message: string) => process.stderr.write(`bench:cold-start: ${message}\n`);

/** The environment the functions get from the stack (values only need to be valid). */
const FUNCTION_ENV = {
  DSPM_TENANT_URL: 'https://bench.goskope.com',
  DSPM_API_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dspm-AbCdEf',
  DSPM_RATE_LIMIT_RPS: '5',
  DSPM_PAGE_SIZE: '100',
  EVENT_BUS_NAME: 'dspm-bridge',
  EVENT_SOURCE: 'netskope.dspm',
  STATE_TABLE_NAME: 'dspm-bridge-state',
  POLL_LEASE_TTL_SECONDS: '900',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq.fifo',
  SLACK_CHANNEL: '#dspm',
  SLACK_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  NODE_OPTIONS: '--enable-source-maps',
};

/** The baseline: the same SDK clients the functions make, and nothing of ours. */
const BASELINE_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export const clients = [
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  new EventBridgeClient({}),
  new SecretsManagerClient({}),
  new SQSClient({}),
];
export const handler = async () => clients.length;
`;

interface Sample {
  importMs: number;
  cpuMs: number;
  rssMb: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Synthesizes the stack with bundling; returns each function's bundle, by its logical id prefix. */
function synthesizeBundles(outdir: string): Record<string, string> {
  const app = new App({
    outdir,
    context: {
      'dspm-bridge': {
        tenantUrl: FUNCTION_ENV.DSPM_TENANT_URL,
        slack: { botTokenSecretArn: FUNCTION_ENV.SLACK_TOKEN_SECRET_ID, channel: FUNCTION_ENV.SLACK_CHANNEL },
      },
    },
  });
  const { stack } = buildApp(app);
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const bundles: Record<string, string> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    const key = resource.Properties.Code?.S3Key;
    if (resource.Type !== 'AWS::Lambda::Function' || !key) continue;
    bundles[id.replace(/Function.*$/, '')] = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  }
  return bundles;
}

async function buildBaseline(outdir: string): Promise<string> {
  const directory = join(outdir, 'baseline');
  mkdirSync(directory, { recursive: true });
  const entry = join(directory, 'entry.ts');
  writeFileSync(entry, BASELINE_SOURCE);
  const outfile = join(directory, 'index.mjs');
  // The functions' own options (infra/function-bundles.ts).
  await build({
    ...FUNCTION_BUNDLE_OPTIONS,
    entryPoints: [entry],
    outfile,
    nodePaths: [join(root, 'node_modules')],
  });
  return outfile;
}

function measure(bundle: string): Sample {
  const output = execFileSync(process.execPath, [join(root, 'bench/lib/cold-start-import.ts'), bundle], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV },
    timeout: 60_000,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Sample;
}

const outdir = mkdtempSync(join(tmpdir(), 'dspm-bridge-cold-start-'));
try {
  progress('synthesizing the stack with bundling');
  // The bundles from the sources as they are, as the app builds them before a synth.
  await buildFunctionBundles();
  const bundles = { 'SDK only (baseline)': await buildBaseline(outdir), ...synthesizeBundles(outdir) };
  // The SDK as the runtime provides it, beside the bundles.
  mkdirSync(join(outdir, 'node_modules'), { recursive: true });
  symlinkSync(join(root, 'node_modules/@aws-sdk'), join(outdir, 'node_modules/@aws-sdk'));

  const samples = new Map<string, Sample[]>(Object.keys(bundles).map((name) => [name, []]));
  for (let run = 1; run <= RUNS; run++) {
    progress(`run ${run} of ${RUNS}`);
    // Interleaved, so a busy moment on the machine lands on every bundle alike.
    for (const [name, bundle] of Object.entries(bundles)) samples.get(name)?.push(measure(bundle));
  }

  const rows = [...samples].map(([name, runs]) => ({
    name,
    sizeKb: statSync(bundles[name as keyof typeof bundles] as string).size / 1024,
    importMs: median(runs.map((s) => s.importMs)),
    importMinMs: Math.min(...runs.map((s) => s.importMs)),
    importMaxMs: Math.max(...runs.map((s) => s.importMs)),
    cpuMs: median(runs.map((s) => s.cpuMs)),
    rssMb: median(runs.map((s) => s.rssMb)),
  }));
  const baseline = rows[0] as (typeof rows)[number];
  const worst = Math.max(...rows.slice(1).map((row) => row.importMs / baseline.importMs));
  const worstCpu = Math.max(...rows.slice(1).map((row) => row.cpuMs / baseline.cpuMs));
  const table = [
    '| bundle | size KB | import ms (median) | min-max ms | import CPU ms (median) | RSS MB (median) | import / baseline | CPU / baseline |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.sizeKb.toFixed(0)} | ${row.importMs.toFixed(1)} | ${row.importMinMs.toFixed(0)}-${row.importMaxMs.toFixed(0)} | ${row.cpuMs.toFixed(1)} | ${row.rssMb.toFixed(1)} | ${(row.importMs / baseline.importMs).toFixed(2)}x | ${(row.cpuMs / baseline.cpuMs).toFixed(2)}x |`,
    ),
  ].join('\n');
  const markdown = `## bench:cold-start

The shipped bundles (Slack on, so its notifier too) (a real synth) against an SDK-only bundle making the same AWS SDK clients,
each imported in a fresh process (${RUNS} runs each, interleaved; medians). Machine: ${describeMachine()}.
Run: ${new Date().toISOString()}.

${table}

Slowest bundle against the baseline: **${worst.toFixed(2)}x** import time, ${worstCpu.toFixed(2)}x CPU time (target at most ${TARGET_RATIO}x import time).`;
  process.stdout.write(`${markdown}\n`);
  recordSection('bench-cold-start', markdown);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
