import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { pollDataStores } from '#shared/poll/poll-data-stores.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createBus, motoClients, uniqueName, useMotoEnvironment } from '../../helpers/aws.ts';
import { awsBackupJobEvent, ENGINEERING_ARN, genericBackupEvent } from '../../helpers/backup-events.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { testClient } from '../../helpers/dspm-client.ts';

const TOKEN = 'cli-tagger-token-0d93aa';
const EXAMPLE_EVENT = fileURLToPath(
  new URL('../../../examples/backup-job-failed-store-3.json', import.meta.url),
);

describe('dspm-bridge backup-event and coverage', () => {
  let sim: RunningSimulator;
  let directory: string;
  let stateFile: string;
  let env: Record<string, string>;
  const eventFile = (event: object) => {
    const path = join(directory, `${uniqueName('event')}.json`);
    writeFileSync(path, JSON.stringify(event));
    return path;
  };

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-tagger-cli-'));
  });
  beforeEach(async () => {
    sim.tenant.reset();
    stateFile = join(directory, `${uniqueName('state')}.json`);
    env = {
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
      BACKUP_EVENT_SOURCES: 'com.veeam.backup',
    };
    // A baseline in the state file, as `poll --once` leaves it.
    await pollDataStores(
      {
        dspm: testClient(sim.url, { token: TOKEN }),
        state: new FileStateStore(stateFile),
        sink: new NdjsonSink(() => {}),
        clock: systemClock,
        logger: silentLogger,
        tenant: new URL(sim.url).host,
      },
      DEFAULT_POLL_SETTINGS,
    );
  });
  afterAll(async () => {
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('backup-event --dry-run says what would change and prints the event it would publish', async () => {
    const run = await runCliCaptured(
      [
        'backup-event',
        eventFile(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z')),
        '--dry-run',
        '--state',
        stateFile,
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/store 1 would be unprotected; Unprotected tag added \(dry run\)/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      DetailType: 'data-store-protection-changed',
      Detail: { dataStore: { id: 1 } },
    });
    expect(sim.tenant.getStore(1)?.data_tags).toEqual([]);
    expect(sim.tenant.listTags().find((t) => t.name === 'Unprotected')).toBeUndefined();
  });

  it('backup-event applies the event and publishes to the bus', async () => {
    const restore = useMotoEnvironment(inject('motoEndpoint'));
    const busName = uniqueName('cli-tagger-bus');
    await createBus(motoClients(inject('motoEndpoint')).eventBridge, busName);
    try {
      const run = await runCliCaptured(
        [
          'backup-event',
          eventFile(genericBackupEvent({ dataStoreId: 2, protected: false, reason: 'LAST_JOB_FAILED' })),
          '--state',
          stateFile,
          '--json',
        ],
        { ...env, EVENT_BUS_NAME: busName },
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: 'applied',
        storeId: 2,
        protection: 'unprotected',
        tagAction: 'added',
      });
      const tag = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
      expect(sim.tenant.getStore(2)?.data_tags).toEqual([tag?.id]);
    } finally {
      restore();
    }
  });

  it('backup-event exits 1 with the reason for a malformed event', async () => {
    const run = await runCliCaptured(
      [
        'backup-event',
        eventFile(genericBackupEvent({ dataStoreId: 2, reason: 'LAST_JOB_FAILED' })),
        '--dry-run',
        '--state',
        stateFile,
      ],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'dspm-bridge backup-event: the event cannot be used: detail.protected: expected boolean, got nothing (field missing)',
    );
  });

  it.each<[string, string[], RegExp]>([
    ['no file', ['backup-event'], /give one event file, or - to read the event from stdin/],
    ['an unknown flag', ['coverage', '--rpo', '3'], /unknown option --rpo/],
  ])('exits 2 for %s', async (_case, argv, message) => {
    const run = await runCliCaptured(argv, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it.each<[string, string | undefined, RegExp]>([
    ['a missing file', undefined, /^dspm-bridge backup-event: cannot read .*no-such-file\.json: ENOENT/],
    [
      'an empty file',
      '',
      /^dspm-bridge backup-event: .*\.json is empty; give one EventBridge event as JSON\n$/,
    ],
    ['a file of blanks', ' \n\n', /is empty; give one EventBridge event as JSON/],
    ['a file that is not JSON', '{"version": "0",', /^dspm-bridge backup-event: the event cannot be used: /],
  ])('exits 1 with one line for %s', async (_case, content, message) => {
    const path = join(directory, content === undefined ? 'no-such-file.json' : `${uniqueName('bad')}.json`);
    if (content !== undefined) writeFileSync(path, content);
    const run = await runCliCaptured(['backup-event', path, '--dry-run', '--state', stateFile], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('backup-event reads a file saved with a byte order mark', async () => {
    const path = join(directory, `${uniqueName('bom')}.json`);
    writeFileSync(path, `\uFEFF${readFileSync(EXAMPLE_EVENT, 'utf8')}`);
    const run = await runCliCaptured(['backup-event', path, '--dry-run', '--state', stateFile], env);
    expect(run.stderr).toMatch(/store 3 would be unprotected/);
    expect(run.code).toBe(0);
  });

  it("the shipped example event (README's) targets the guide tenant's store 3", async () => {
    const run = await runCliCaptured(['backup-event', EXAMPLE_EVENT, '--dry-run', '--state', stateFile], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('store 3 would be unprotected; Unprotected tag added (dry run)\n');
    expect(JSON.parse(run.stdout)).toMatchObject({
      DetailType: 'data-store-protection-changed',
      Detail: {
        // The tag is still to be created (a dry run creates nothing): id -1, but named.
        dataStore: {
          id: 3,
          name: 'production',
          dataTags: [{ id: -1, name: 'Unprotected', categoryId: null }],
        },
        tag: { id: -1, name: 'Unprotected', action: 'added' },
      },
    });
  });

  it('backup-event without EVENT_BUS_NAME applies the event and writes its event as NDJSON on stdout', async () => {
    const run = await runCliCaptured(['backup-event', EXAMPLE_EVENT, '--state', stateFile], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'events: NDJSON on stdout (EVENT_BUS_NAME is not set)\nstore 3 is unprotected; Unprotected tag added\n',
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      DetailType: 'data-store-protection-changed',
      Detail: { dataStore: { id: 3 }, tag: { action: 'added' } },
    });
    const tag = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([tag?.id]);
    // Committed after the event was written: the same event again is a duplicate.
    const again = await runCliCaptured(['backup-event', EXAMPLE_EVENT, '--state', stateFile], env);
    expect(again.stderr).toMatch(/was applied to store 3 already; nothing to do/);
    expect(again.stdout).toBe('');
  });

  it('coverage without EVENT_BUS_NAME tags the stores and appends their events to --events FILE', async () => {
    const eventsFile = join(directory, `${uniqueName('coverage-events')}.ndjson`);
    const refused = await runCliCaptured(['coverage', '--state', stateFile, '--json'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--json prints the report on stdout, where the events go too/);

    const run = await runCliCaptured(
      ['coverage', '--state', stateFile, '--events', eventsFile, '--json'],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`events: NDJSON appended to ${eventsFile} (EVENT_BUS_NAME is not set)`);
    expect(JSON.parse(run.stdout).decisions).toHaveLength(3);
    const events = readFileSync(eventsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => [e.DetailType, e.Detail.dataStore.id])).toEqual([
      ['data-store-protection-changed', 1],
      ['data-store-protection-changed', 2],
      ['data-store-protection-changed', 3],
    ]);
  });

  it('coverage --dry-run lists the stores it would tag, writing nothing', async () => {
    const run = await runCliCaptured(['coverage', '--dry-run', '--state', stateFile, '--json'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/would tag store 1 \(engineering\): NOT_ENROLLED/);
    expect(run.stderr).toMatch(
      /coverage dry run: 3 stores checked against an RPO of 26 h, 0 excluded, 3 would change/,
    );
    expect(JSON.parse(run.stdout).decisions).toHaveLength(3);
    expect(sim.tenant.listTags().find((t) => t.name === 'Unprotected')).toBeUndefined();
  });

  it('never shows the token', async () => {
    const run = await runCliCaptured(['coverage', '--dry-run', '--state', stateFile, '--verbose'], env);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });
});
