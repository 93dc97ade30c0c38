import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createBus, motoClients, spyOnRule, uniqueName, useMotoEnvironment } from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const TOKEN = 'cli-suite-token-91be02';

describe('dspm-bridge poll', () => {
  let sim: RunningSimulator;
  let directory: string;
  let env: Record<string, string>;
  let stateFile: string;

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-cli-'));
  });
  beforeEach(() => {
    sim.tenant.reset();
    stateFile = join(directory, `${uniqueName('state')}.json`);
    env = {
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
    };
  });
  afterAll(async () => {
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('--once --dry-run prints each entry as one JSON line on stdout and commits nothing', async () => {
    const run = await runCliCaptured(
      ['poll', '--once', '--dry-run', '--no-baseline', '--state', stateFile],
      env,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.DetailType)).toEqual([
      'data-store-discovered',
      'data-store-discovered',
      'data-store-discovered',
      'dspm-poll-completed',
    ]);
    expect(Object.keys(lines[0])).toEqual(['Source', 'DetailType', 'Time', 'Detail']);
    expect(run.stderr).toMatch(/dry run/);
    expect(() => readFileSync(stateFile)).toThrow(/ENOENT/);
  });

  it('keeps state in the --state file between runs and reports what changed', async () => {
    // A baseline, then a change seen by a dry run against the saved state.
    const baseline = await runCliCaptured(['poll', '--once', '--dry-run', '--state', stateFile], env);
    expect(baseline.code).toBe(0);
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    const busName = uniqueName('cli-bus');
    const clients = motoClients(inject('motoEndpoint'));
    await createBus(clients.eventBridge, busName);
    const spy = await spyOnRule(clients, busName, uniqueName('cli-all'), { source: ['netskope.dspm'] });
    try {
      const first = await runCliCaptured(['poll', '--once', '--state', stateFile, '--json'], {
        ...env,
        EVENT_BUS_NAME: busName,
      });
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ baseline: true, stores: { seen: 3 } });
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).tenants[new URL(sim.url).host].stores).toHaveLength(
        3,
      );

      sim.tenant.updateStore(2, { encryption: 'Off' });
      const dry = await runCliCaptured(['poll', '--once', '--dry-run', '--state', stateFile], env);
      expect(dry.stdout).toContain('"DetailType":"data-store-risk-changed"');

      const second = await runCliCaptured(['poll', '--once', '--state', stateFile], {
        ...env,
        EVENT_BUS_NAME: busName,
      });
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/1 changed/);
      const delivered = await spy.drain();
      expect(delivered.map((e) => e['detail-type'])).toEqual([
        'dspm-poll-completed',
        'data-store-risk-changed',
        'dspm-poll-completed',
      ]);
    } finally {
      restore();
    }
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown flag', ['poll', '--bogus'], /Unknown option '--bogus'/],
    ['--dry-run without --once', ['poll', '--dry-run'], /--dry-run goes with --once/],
    ['--once with --interval', ['poll', '--once', '--interval', '5m'], /cannot go together/],
    ['a bad interval', ['poll', '--interval', 'soon'], /--interval must be a duration/],
    ['an unknown command', ['pol'], /unknown command "pol"/],
  ])('exits 2 with a helpful line for %s', async (_case, argv, message) => {
    const run = await runCliCaptured(argv, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('exits 1 with a one-line reason when there is no bus to publish to', async () => {
    const run = await runCliCaptured(['poll', '--once', '--state', stateFile], env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'dspm-bridge poll: EVENT_BUS_NAME is not set; it names the bus events are published to',
    );
  });

  it('exits 1 naming the variable when the tenant URL is wrong', async () => {
    const run = await runCliCaptured(['poll', '--once', '--dry-run'], {
      ...env,
      DSPM_TENANT_URL: 'http://evil.example.com',
      DSPM_ALLOW_ANY_HOST: 'false',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DSPM_TENANT_URL must use https/);
  });

  it('keeps polling at an interval until stopped', async () => {
    // Arrange: a bus in moto; every poll the loop makes stays on loopback.
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    const busName = uniqueName('interval-bus');
    await createBus(motoClients(inject('motoEndpoint')).eventBridge, busName);
    const stop = new AbortController();
    try {
      // Act
      const running = runCliCaptured(
        ['poll', '--interval', '1s', '--state', stateFile],
        { ...env, EVENT_BUS_NAME: busName },
        stop.signal,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      stop.abort();
      const run = await running;
      // Assert
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/polling every 1s; Ctrl-C stops/);
      expect(run.stderr).toMatch(/baseline poll completed/);
    } finally {
      restore();
    }
  });

  it('prints usage with --help', async () => {
    const run = await runCliCaptured(['poll', '--help'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: dspm-bridge poll --once/);
  });

  it('never shows the token', async () => {
    const runs = await Promise.all([
      runCliCaptured(['poll', '--once', '--dry-run', '--no-baseline', '--state', stateFile], env),
      runCliCaptured(['poll', '--once', '--dry-run', '--state', stateFile], {
        ...env,
        DSPM_TENANT_URL: 'http://127.0.0.1:1',
      }),
    ]);
    for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });
});
