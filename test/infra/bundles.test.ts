/**
 * The bundles the stack ships keep readable errors: class names survive minification, stack
 * traces map back to the sources through a linked source map that the functions enable, and the
 * map carries no copy of the sources (megabytes of node_modules per function otherwise).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-bundles-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The asset folder of each function, by the start of its logical id (Poller, Tagger, Coverage). */
function assetsByFunction(template: ReturnType<typeof synthesize>['template']): Record<string, string> {
  const functions = template.findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Code: { S3Key: string } } }
  >;
  // An asset's key is `<hash>.zip`; its folder in the assembly is `asset.<hash>`.
  return Object.fromEntries(
    Object.entries(functions).map(([id, resource]) => [
      id.replace(/Function.*$/, ''),
      join(directory, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`),
    ]),
  );
}

describe('the shipped bundles', () => {
  // With Slack on, so its notifier is bundled too.
  const { template } = synthesize(
    {
      slack: {
        botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
        channel: '#dspm',
      },
    },
    { bundle: true, outdir: directory },
  );
  const assets = assetsByFunction(template);
  // The AWS SDK is external, as the Lambda runtime provides it: give the assets the project's copy
  // the same way, in a node_modules folder beside them.
  const sdk = fileURLToPath(new URL('../../node_modules/@aws-sdk', import.meta.url));
  mkdirSync(join(directory, 'node_modules'), { recursive: true });
  symlinkSync(sdk, join(directory, 'node_modules', '@aws-sdk'));

  it('are four, one per function', () => {
    expect(Object.keys(assets).sort()).toEqual(['Coverage', 'Poller', 'SlackNotifier', 'Tagger']);
  });

  it.each([
    // The poll workflow retries by these names (Lambda reports error.name as the errorType).
    [
      'Poller',
      [
        'DspmAuthError',
        'DspmRateLimitError',
        'ConfigError',
        'TransientError',
        'DspmServerError',
        'DspmConnectionError',
        'DspmTimeBudgetError',
        'UnknownTenantError',
        'WorkflowTaskInputError',
        'LeaseLostError',
        'PollListingFailedError',
      ],
    ],
    ['Tagger', ['DspmAuthError', 'BackupEventError']],
    ['Coverage', ['DspmAuthError']],
    ['SlackNotifier', ['SlackRefusedError', 'SlackRateLimitedError', 'ConfigError']],
  ])('keep the error class names in the %s bundle', (name, classes) => {
    const text = readFileSync(join(assets[name] as string, 'index.mjs'), 'utf8');
    // esbuild's keepNames records each class's own name as a string literal beside it.
    for (const className of classes) expect(text, className).toContain(`"${className}"`);
  });

  it.each(['Poller', 'Tagger', 'Coverage', 'SlackNotifier'])(
    'link a source map without embedded sources (%s)',
    (name) => {
      const asset = assets[name] as string;
      const text = readFileSync(join(asset, 'index.mjs'), 'utf8');
      expect(text.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      const map = JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')) as Record<string, unknown>;
      expect(Array.isArray(map.sources) && map.sources.length > 0).toBe(true);
      expect(map).not.toHaveProperty('sourcesContent');
    },
  );

  it.each(['Poller', 'Tagger', 'Coverage', 'SlackNotifier'])(
    'leave out what a cold start would load for nothing: undici beyond request, connect and its agents, the full zod API (%s)',
    (name) => {
      // The map names every file the bundle holds (bench:cold-start measures what they cost).
      const map = JSON.parse(readFileSync(join(assets[name] as string, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
      };
      const included = (part: string) => map.sources.filter((source) => source.includes(part));
      expect(included('undici/lib/api/api-request.js')).toHaveLength(1);
      // The proxy agent opens its tunnels with `connect`: without it every proxied call fails.
      expect(included('undici/lib/api/api-connect.js')).toHaveLength(1);
      for (const unused of [
        'undici/index.js',
        'undici/lib/web/fetch/index.js',
        'undici/lib/web/websocket/',
        'undici/lib/mock/',
        'undici/lib/cache/',
        'zod/v4/classic/',
      ]) {
        expect(included(unused), unused).toEqual([]);
      }
      expect(included('zod/v4/mini/').length).toBeGreaterThan(0);
    },
  );

  it('turn source maps on in every function', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  it('report a cold-start error with the class name and the source file and line', () => {
    // Arrange: the poller bundle started as Lambda starts it (NODE_OPTIONS from its environment),
    // without a tenant, so its configuration check throws at import.
    const asset = assets.Poller as string;
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    // Act
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--enable-source-maps', join(asset, 'index.mjs')], {
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      stderr = (error as { stderr: string }).stderr;
    }
    // Assert
    expect(stderr).toContain('ConfigError: DSPM_TENANT_URL is not set');
    expect(stderr).toMatch(/at readDspmConfig \(.*shared\/config\/dspm\.ts:\d+:\d+\)/);
    expect(stderr).toMatch(/at createPollHandler \(.*functions\/poll-data-stores\.ts:\d+:\d+\)/);
  });
});
