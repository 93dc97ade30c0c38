import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  createBus,
  createStateTable,
  motoClients,
  uniqueName,
  useMotoEnvironment,
} from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-demo-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('dspm-bridge demo', () => {
  it('tells the whole story, saves the events and exits 0', async () => {
    // Act
    const out = join(directory, 'events.ndjson');
    const run = await runCliCaptured(['demo', '--out', out, '--json'], {});
    // Assert
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /engineering: medium -> high, increased; data_store_risk_rating 36 -> 68 \(\+32\)/,
    );
    expect(run.stderr).toMatch(/production: risk unknown, increased; encryption On -> Off/);
    expect(run.stderr).not.toMatch(/(\w+) -> \1\b/);
    expect(run.stderr).toMatch(/data-store-discovered +analytics/);
    expect(run.stderr).toMatch(/data-store-removed +finance/);
    expect(run.stderr).toMatch(/production's tags in DSPM: GDPR, PII, Unprotected/);
    expect(run.stderr).toMatch(/production's tags in DSPM: GDPR, PII\n/);
    const saved = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(saved.map((e) => e.DetailType)).toEqual(JSON.parse(run.stdout).detailTypes);
    expect(saved.map((e) => e.DetailType)).toEqual([
      'data-store-finding-opened',
      'dspm-poll-completed',
      'data-store-risk-changed',
      'data-store-finding-opened',
      'data-store-risk-changed',
      'data-store-finding-opened',
      'data-store-discovered',
      'data-store-finding-opened',
      'data-store-removed',
      'dspm-poll-completed',
      'data-store-protection-changed',
      'data-store-finding-opened',
      'data-store-protection-changed',
      'data-store-finding-resolved',
    ]);
    // Findings open and resolve in the story: the baseline's, the poll's, the tagger's.
    expect(run.stderr).toMatch(
      /data-store-finding-opened +engineering: encryption-off medium, occurrence 1\n/,
    );
    expect(run.stderr).toMatch(/data-store-finding-opened +engineering: high-risk high/);
    expect(run.stderr).toMatch(
      /data-store-finding-resolved +production: unprotected medium, occurrence 1 \(condition-cleared\)/,
    );
  });

  it('--aws-local routes the events through a local EventBridge and its rules', async () => {
    const run = await runCliCaptured(['demo', '--aws-local', '--out', join(directory, 'aws.ndjson')], {
      PATH: process.env.PATH ?? '',
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /rule high-or-critical-risk delivered 1 event\(s\) to its queue: data-store-risk-changed/,
    );
    expect(run.stderr).toMatch(
      /rule encryption-turned-off delivered 1 event\(s\) to its queue: data-store-risk-changed/,
    );
  });

  it('--aws-local without moto_server says what it is needed for, and that the demo runs without it', async () => {
    const run = await runCliCaptured(['demo', '--aws-local', '--out', join(directory, 'none.ndjson')], {
      PATH: directory,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^dspm-bridge demo: moto_server is not on PATH: install it \(pip install 'moto\[server\]'\) to run demo --aws-local, or run the demo without --aws-local \(it needs no AWS\)$/m,
    );
    expect(run.stderr).not.toMatch(/integration tests/);
  });

  it('prints its usage', async () => {
    expect(await runCliCaptured(['demo', '--help'], {})).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage: dspm-bridge demo/),
    });
    expect(await runCliCaptured(['demo', '--colour'], {})).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option --colour/),
    });
  });
});

describe('dspm-bridge doctor', () => {
  const TOKEN = 'doctor-token-41b7c2';
  const READ_ONLY = 'doctor-read-only-93fe10';
  const NO_ROUTES = 'doctor-no-routes-55aa01';
  let sim: RunningSimulator;
  let limited: RunningSimulator;
  const env = (url: string, token: string, extra: Record<string, string> = {}) => ({
    DSPM_TENANT_URL: url,
    DSPM_API_TOKEN: token,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: '50',
    ...extra,
  });

  beforeAll(async () => {
    sim = await startSimulator({
      tokens: [
        { token: TOKEN, access: 'read-write' },
        { token: READ_ONLY, access: 'read' },
        { token: NO_ROUTES, access: 'read-write', routes: [] },
      ],
    });
    limited = await startSimulator({
      rateLimitRps: 2,
      rateLimitHeaders: true,
      tokens: [{ token: TOKEN, access: 'read-write' }],
    });
  });
  afterAll(async () => {
    await sim.close();
    await limited.close();
  });

  it('passes every check against a healthy tenant, changing nothing', async () => {
    const run = await runCliCaptured(['doctor', '--json'], env(sim.url, TOKEN));
    expect(run.code).toBe(0);
    const checks = JSON.parse(run.stdout) as { check: string; status: string }[];
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual([
      'configuration',
      'proxy',
      'dns and tls',
      'token',
      'route infrastructure_connections (Read)',
      'route data_stores/services (Read)',
      'route data_stores/connected (Read)',
      'route data_stores/discovered (Read)',
      'route data_tags (Read)',
      'route data_tag_categories (Read+Write)',
      'route data_tags (Read+Write)',
      'route connected_data_stores (Read+Write)',
      'rate limit',
      'page size',
      'events',
      'state',
      'clock',
    ]);
    expect(sim.tenant.listCategories()).toHaveLength(2);
    expect(sim.tenant.listTags()).toHaveLength(6);
    // No bus: said as a warning, so the last line is never a bare "all checks passed".
    expect(run.stderr).toMatch(
      /^warn {2}events: EVENT_BUS_NAME is not set: poll, backup-event and coverage write their events as NDJSON on stdout \(or --events FILE\) instead of publishing them\n {6}fix: to publish to EventBridge, set EVENT_BUS_NAME/m,
    );
    expect(run.stderr).toMatch(
      /^ok {4}state: STATE_TABLE_NAME is not set: the CLI keeps state in a local file/m,
    );
    expect(run.stderr).toMatch(/all checks passed, 1 warning\(s\)\n$/);
  });

  it('says the token was refused and where to put a valid one', async () => {
    const run = await runCliCaptured(['doctor'], env(sim.url, 'not-a-token'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/FAIL {2}token: refused/);
    expect(run.stderr).toMatch(/fix: put a valid REST API v2 token in DSPM_API_TOKEN/);
    expect(run.stderr).not.toContain('not-a-token');
  });

  it('names the write routes a read-only token lacks, and the IP allowlist', async () => {
    const run = await runCliCaptured(['doctor'], env(sim.url, READ_ONLY));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ok {4}route data_stores\/connected \(Read\): allowed/);
    expect(run.stderr).toMatch(/FAIL {2}route connected_data_stores \(Read\+Write\): forbidden \(403\)/);
    expect(run.stderr).toMatch(
      /fix: give the token Read\+Write on \/api\/v2\/dspm\/connected_data_stores \(the tagger writes tags\); if the tenant enforces an IP allowlist/,
    );
  });

  it('mentions the IP allowlist and the egress IP when everything is forbidden', async () => {
    const run = await runCliCaptured(['doctor'], env(sim.url, NO_ROUTES));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/FAIL {2}token: forbidden/);
    expect(run.stderr).toMatch(/IP allowlist .*EgressIpAddress output with fixedEgressIp/);
  });

  it('advises a lower pace against a rate-limited tenant', async () => {
    const run = await runCliCaptured(['doctor'], env(limited.url, TOKEN));
    expect(run.stderr).toMatch(/warn {2}rate limit: /);
    expect(run.stderr).toMatch(
      /fix: (set DSPM_RATE_LIMIT_RPS to 2 or less|lower DSPM_RATE_LIMIT_RPS \(now 50\) to at most 2)/,
    );
  });

  it('names the missing variable', async () => {
    const run = await runCliCaptured(['doctor'], { DSPM_API_TOKEN: TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/FAIL {2}configuration: DSPM_TENANT_URL is not set/);
  });

  it('names a proxy variable that is not a URL, with the checklist and a fix', async () => {
    const run = await runCliCaptured(['doctor'], env(sim.url, TOKEN, { HTTPS_PROXY: 'notaurl' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'FAIL  configuration: HTTPS_PROXY is not a proxy URL "notaurl"; set it like http://proxy.example.com:3128, or unset it\n' +
        '      fix: set the variable it names (see the README configuration table)\n' +
        '1 check(s) failed, 0 warning(s)\n',
    );
    const secret = await runCliCaptured(
      ['doctor'],
      env(sim.url, TOKEN, { HTTP_PROXY: 'http://user:hunter2@' }),
    );
    expect(secret.stderr).toMatch(
      /HTTP_PROXY is not a proxy URL \(value not shown: it may hold credentials\)/,
    );
    expect(secret.stderr).not.toContain('hunter2');
  });

  it('reports a token that Secrets Manager cannot give, says how to fix it, and goes on to the summary', async () => {
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    try {
      const run = await runCliCaptured(['doctor', '--json'], {
        DSPM_TENANT_URL: sim.url,
        DSPM_ALLOW_ANY_HOST: 'true',
        DSPM_API_TOKEN_SECRET_ID: 'no-such-secret',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^FAIL {2}token: the token could not be fetched from Secrets Manager: /m);
      expect(run.stderr).toMatch(
        /^ {6}fix: check that DSPM_API_TOKEN_SECRET_ID \(no-such-secret\) names a secret in this account and AWS_REGION, that these AWS credentials may call secretsmanager:GetSecretValue on it/m,
      );
      expect(run.stderr).toMatch(/1 check\(s\) failed/);
      expect(JSON.parse(run.stdout).map((c: { status: string }) => c.status)).toContain('skip');
    } finally {
      restore();
    }
  });

  it('checks the AWS bus and table when they are configured', async () => {
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    const clients = motoClients(inject('motoEndpoint'));
    const busName = uniqueName('doctor-bus');
    const tableName = uniqueName('doctor-state');
    await createBus(clients.eventBridge, busName);
    await createStateTable(clients.dynamoDb, tableName);
    try {
      const good = await runCliCaptured(
        ['doctor'],
        env(sim.url, TOKEN, { EVENT_BUS_NAME: busName, STATE_TABLE_NAME: tableName }),
      );
      expect(good.stderr).toMatch(/ok {4}aws event bus: .* exists/);
      expect(good.stderr).toMatch(/ok {4}aws state table: .* exists with its indexes/);
      const bad = await runCliCaptured(
        ['doctor'],
        env(sim.url, TOKEN, { EVENT_BUS_NAME: 'no-such-bus', STATE_TABLE_NAME: 'no-such-table' }),
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(
        /FAIL {2}aws event bus: no-such-bus: ResourceNotFoundException.*\n {6}fix: create the bus \(the stack does: its EventBusName output\) or set EVENT_BUS_NAME to an existing bus in /,
      );
      expect(bad.stderr).toMatch(
        /FAIL {2}aws state table: no-such-table: ResourceNotFoundException.*\n {6}fix: create the table .* or set STATE_TABLE_NAME to an existing table/,
      );
    } finally {
      restore();
    }
  });
});

describe('dspm-bridge', () => {
  it.each([
    [[], 2, /^usage: dspm-bridge <command>/],
    [['--help'], 0, /^usage: dspm-bridge <command>/],
    [['doctor', '--bogus'], 2, /unknown option --bogus/],
  ])('%j exits %i', async (argv, code, message) => {
    const run = await runCliCaptured(argv as string[], {});
    expect(run.code).toBe(code);
    expect(`${run.stdout}${run.stderr}`).toMatch(message);
  });
});

describe('dspm-bridge simulator', () => {
  it('--help goes to stdout and names the command as typed', async () => {
    const run = await runCliCaptured(['simulator', '--help'], {});
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: dspm-bridge simulator \[--port N\] \[--stores N\]/);
  });

  it.each<[string[], RegExp]>([
    [
      ['--stores', '-5'],
      /^simulator: --stores must be an integer >= 0, got "-5"\nusage: dspm-bridge simulator /,
    ],
    [['--dryrun'], /^simulator: unknown option --dryrun\nusage: dspm-bridge simulator /],
    [['--store', '5'], /^simulator: unknown option --store; did you mean --stores\?\n/],
  ])('%j exits 2 saying what was wrong', async (flags, message) => {
    const run = await runCliCaptured(['simulator', ...flags], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('serves the tenant on loopback until stopped', async () => {
    const stop = new AbortController();
    let stderr = '';
    let asked = false;
    const { runCli } = await import('../../../cli/main.ts');
    const running = runCli(['simulator', '--stores', '50'], {
      env: {},
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
        if (url && !asked) {
          asked = true;
          fetch(`${url}/api/v2/dspm/data_stores/connected?limit=1`, {
            headers: { apikey: 'simulator-token' },
          })
            .then((r) => r.json())
            .then((body) => {
              stderr += `\ntotal=${(body as { total: number }).total}\n`;
              stop.abort();
            });
        }
      },
      stopSignal: stop.signal,
    });
    expect(await running).toBe(0);
    expect(stderr).toMatch(/total=50/);
    expect(stderr).toMatch(/simulator stopped/);
  });

  it('exits 2 on a bad flag', async () => {
    const run = await runCliCaptured(['simulator', '--stores', 'many'], {});
    expect(run.code).toBe(2);
  });
});
