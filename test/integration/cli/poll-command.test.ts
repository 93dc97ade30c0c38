import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { runCli } from '../../../cli/main.ts';
import { createBus, motoClients, spyOnRule, uniqueName, useMotoEnvironment } from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const TOKEN = 'cli-suite-token-91be02';

/**
 * The NDJSON lines of a first poll with --no-baseline: each store discovered (store 1 with its
 * baseline encryption-off finding), then the summary, in the CLI's line shape.
 */
function expectEveryStoreDiscovered(stdout: string): void {
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines.map((l) => l.DetailType)).toEqual([
    'data-store-discovered',
    'data-store-finding-opened',
    'data-store-discovered',
    'data-store-discovered',
    'dspm-poll-completed',
  ]);
  expect(Object.keys(lines[0])).toEqual(['Source', 'DetailType', 'Time', 'Detail']);
}

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
    expectEveryStoreDiscovered(run.stdout);
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
        'data-store-finding-opened',
        'dspm-poll-completed',
        'data-store-risk-changed',
        'data-store-finding-opened',
        'dspm-poll-completed',
      ]);
    } finally {
      restore();
    }
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown flag', ['poll', '--bogus'], /unknown option --bogus \(see dspm-bridge poll --help\)/],
    ['--dry-run without --once', ['poll', '--dry-run'], /--dry-run goes with --once/],
    ['--once with --interval', ['poll', '--once', '--interval', '5m'], /cannot go together/],
    ['a bad interval', ['poll', '--interval', 'soon'], /--interval must be a duration/],
    ['an unknown command', ['pol'], /unknown command "pol"/],
    [
      'a misspelt flag',
      ['poll', '--once', '--dryrun'],
      /^dspm-bridge poll: unknown option --dryrun; did you mean --dry-run\? \(see dspm-bridge poll --help\)\n$/,
    ],
    [
      'a negative interval',
      ['poll', '--interval', '-5'],
      /--interval must be a duration like 90s, 15m or 1h, got "-5"/,
    ],
  ])('exits 2 with a helpful line for %s', async (_case, argv, message) => {
    const run = await runCliCaptured(argv, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('without EVENT_BUS_NAME writes the events as NDJSON on stdout and commits state after them', async () => {
    const run = await runCliCaptured(['poll', '--once', '--no-baseline', '--state', stateFile], env);
    expect(run.code).toBe(0);
    expectEveryStoreDiscovered(run.stdout);
    expect(run.stderr.match(/events: NDJSON on stdout \(EVENT_BUS_NAME is not set\)\n/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/4 store events and the summary written to stdout, 0 refused, 0 uncommitted/);
    const committed = JSON.parse(readFileSync(stateFile, 'utf8')).tenants[new URL(sim.url).host].stores;
    expect(committed).toHaveLength(3);

    // Committed: the next poll finds nothing new and prints only its summary.
    sim.tenant.updateStore(2, { encryption: 'Off' });
    const next = await runCliCaptured(['poll', '--once', '--state', stateFile], env);
    expect(
      next.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).DetailType),
    ).toEqual(['data-store-risk-changed', 'data-store-finding-opened', 'dspm-poll-completed']);
  });

  it('--events FILE appends the events there and leaves stdout to --json', async () => {
    const eventsFile = join(directory, `${uniqueName('events')}.ndjson`);
    const first = await runCliCaptured(
      ['poll', '--once', '--no-baseline', '--state', stateFile, '--events', eventsFile, '--json'],
      env,
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ baseline: false, stores: { seen: 3, discovered: 3 } });
    expect(first.stderr).toContain(`events: NDJSON appended to ${eventsFile} (EVENT_BUS_NAME is not set)`);
    await runCliCaptured(['poll', '--once', '--state', stateFile, '--events', eventsFile], env);
    const written = readFileSync(eventsFile, 'utf8').trim().split('\n');
    expect(written.map((line) => JSON.parse(line).DetailType)).toEqual([
      'data-store-discovered',
      'data-store-finding-opened',
      'data-store-discovered',
      'data-store-discovered',
      'dspm-poll-completed',
      'dspm-poll-completed',
    ]);
  });

  it('--dry-run --events FILE writes the would-be events there and commits nothing', async () => {
    const eventsFile = join(directory, `${uniqueName('dry-events')}.ndjson`);
    const run = await runCliCaptured(
      [
        'poll',
        '--once',
        '--dry-run',
        '--no-baseline',
        '--json',
        '--state',
        stateFile,
        '--events',
        eventsFile,
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `events: NDJSON appended to ${eventsFile} (dry run: nothing is published or committed)`,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ baseline: false, stores: { discovered: 3 } });
    expect(readFileSync(eventsFile, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(() => readFileSync(stateFile)).toThrow(/ENOENT/);
  });

  it('commits nothing when the events cannot be written, and exits 1 saying so', async () => {
    // A directory cannot be appended to: the write fails before any store is committed.
    const run = await runCliCaptured(
      ['poll', '--once', '--no-baseline', '--state', stateFile, '--events', directory],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^dspm-bridge poll: cannot write events to .*: EISDIR/m);
    const tenants = JSON.parse(readFileSync(stateFile, 'utf8')).tenants;
    expect(tenants[new URL(sim.url).host]?.stores ?? []).toEqual([]);
  });

  it('refuses --events when EVENT_BUS_NAME is set: one place for the events', async () => {
    const run = await runCliCaptured(['poll', '--once', '--state', stateFile, '--events', 'e.ndjson'], {
      ...env,
      EVENT_BUS_NAME: 'some-bus',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--events e\.ndjson writes events to a file, but EVENT_BUS_NAME is set \(some-bus\): unset one of them/,
    );
  });

  it.each<[string, string[]]>([
    ['a dry run', ['--dry-run']],
    ['a run without a bus', []],
  ])('refuses --json when the events of %s would share stdout with it', async (_case, flags) => {
    const run = await runCliCaptured(['poll', '--once', '--json', '--state', stateFile, ...flags], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--json prints the report on stdout, where the events go too .*: add --events FILE/,
    );
    expect(run.stdout).toBe('');
  });

  it('--dry-run --no-baseline is no baseline poll: its summary says baseline false', async () => {
    const run = await runCliCaptured(
      ['poll', '--once', '--dry-run', '--no-baseline', '--state', stateFile],
      env,
    );
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary.Detail).toMatchObject({ baseline: false, stores: { discovered: 3 } });
    expect(run.stderr).toMatch(/^poll dry run done/m);
    const silent = await runCliCaptured(['poll', '--once', '--dry-run', '--state', stateFile], env);
    // A silent baseline: only the findings already there, and the summary.
    const lines = silent.stdout.trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).DetailType)).toEqual([
      'data-store-finding-opened',
      'dspm-poll-completed',
    ]);
    expect(JSON.parse(lines.at(-1) ?? '{}').Detail).toMatchObject({
      baseline: true,
      stores: { discovered: 0 },
    });
  });

  it('exits 1 with one line when the bus refuses the events, and commits none of their stores', async () => {
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    try {
      const run = await runCliCaptured(['poll', '--once', '--no-baseline', '--state', stateFile], {
        ...env,
        EVENT_BUS_NAME: 'no-such-bus',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^dspm-bridge poll: 5 event\(s\) refused \(\w+: .+\); their stores stay uncommitted and are sent again next poll$/m,
      );
      expect(run.stderr).toMatch(
        /0 store events published to no-such-bus, 4 refused \(the summary too\), 3 uncommitted/,
      );
      // Three warnings, then one line saying more like them are not shown (four refused events).
      expect(run.stderr.match(/^warning: event not accepted/gm)).toHaveLength(4);
      expect(run.stderr).toMatch(/^warning: event not accepted.*\(more like this are not shown\)$/m);
      const tenants = JSON.parse(readFileSync(stateFile, 'utf8')).tenants;
      expect(tenants[new URL(sim.url).host]?.stores ?? []).toEqual([]);
    } finally {
      restore();
    }
  });

  it('exits 1 with one line when the listing was incomplete', async () => {
    sim.faults.add({ kind: 'total-mismatch', count: 50, match: { route: 'data_stores/connected' } });
    try {
      const run = await runCliCaptured(['poll', '--once', '--state', stateFile], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/listing INCOMPLETE/);
      expect(run.stderr).toMatch(
        /^dspm-bridge poll: the listing was incomplete \(.+\); no removals were reported$/m,
      );
    } finally {
      sim.faults.clear();
    }
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

  it('keeps polling at an interval through failed passes, backing off, until stopped', async () => {
    // Arrange: the first two passes fail on the catalog (a 403 is not retried), the rest succeed.
    sim.faults.add({ kind: 'status', status: 403, count: 2, match: { route: 'data_tags' } });
    const stop = new AbortController();
    let stderr = '';
    const passes = () => (stderr.match(/^polling 127\.0\.0\.1/gm) ?? []).length;
    // Act
    const running = runCli(['poll', '--interval', '100ms', '--state', stateFile], {
      env,
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      stopSignal: stop.signal,
    });
    const listenersSeen: number[] = [];
    for (let i = 0; i < 200 && passes() < 6; i++) {
      listenersSeen.push(getEventListeners(stop.signal, 'abort').length);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    stop.abort();
    const code = await running;
    // Assert
    expect(code).toBe(0);
    expect(passes()).toBeGreaterThanOrEqual(6);
    expect(stderr).toMatch(/^poll pass failed: .*403.*; next pass in 13 ms$/m);
    expect(stderr).toMatch(/^poll pass failed \(2 in a row\): .*; next pass in 25 ms$/m);
    expect(stderr).toMatch(/baseline poll completed/);
    expect(stderr.match(/^poll completed/gm)?.length).toBeGreaterThanOrEqual(3);
    // One listener at most (the current wait's), however many passes ran.
    expect(Math.max(...listenersSeen)).toBeLessThanOrEqual(1);
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
