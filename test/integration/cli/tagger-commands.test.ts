import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createBus, motoClients, uniqueName, useMotoEnvironment } from '../../helpers/aws.ts';
import { awsBackupJobEvent, ENGINEERING_ARN, genericBackupEvent } from '../../helpers/backup-events.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { motoAccountOf } from '../../peers/aws-backup/moto-accounts.ts';
import { type AwsBackupPeer, startAwsBackupPeer } from '../../peers/aws-backup/server.ts';

const TOKEN = 'cli-tagger-token-0d93aa';
const EXAMPLE_EVENT = fileURLToPath(
  new URL('../../../examples/backup-job-failed-store-3.json', import.meta.url),
);

describe('dspm-bridge backup-event and coverage', () => {
  let sim: RunningSimulator;
  let peer: AwsBackupPeer;
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
    peer = await startAwsBackupPeer({ accountOf: motoAccountOf(inject('motoEndpoint')) });
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
    await peer.close();
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
    // The protection change, then the unprotected finding it opens.
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toMatchObject([
      {
        DetailType: 'data-store-protection-changed',
        Detail: { dataStore: { id: 3 }, tag: { action: 'added' } },
      },
      { DetailType: 'data-store-finding-opened', Detail: { condition: 'unprotected', dataStore: { id: 3 } } },
    ]);
    const tag = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([tag?.id]);
    // Committed after the event was written: the same event again is a duplicate.
    const again = await runCliCaptured(['backup-event', EXAMPLE_EVENT, '--state', stateFile], env);
    expect(again.stderr).toMatch(/was applied to store 3 already; nothing to do/);
    expect(again.stdout).toBe('');
  });

  describe('coverage, asking AWS Backup (its peer) through a role assumed in each account (moto STS)', () => {
    const WATCHED_SINCE = Date.now() - 30 * 3_600_000;
    let restore: () => void;
    let coverageEnv: Record<string, string>;
    beforeEach(async () => {
      restore = useMotoEnvironment(inject('motoEndpoint'));
      peer.reset();
      // Engineering was backed up an hour ago; the other two stores AWS Backup knows nothing about.
      peer.addResource({
        resourceArn: ENGINEERING_ARN,
        accountId: '123456789012',
        region: 'us-west-2',
        recoveryPoints: [
          {
            recoveryPointArn: `${ENGINEERING_ARN}:rp-1`,
            creationDate: new Date(Date.now() - 3_600_000),
            status: 'COMPLETED',
          },
        ],
      });
      coverageEnv = {
        ...env,
        BACKUP_INVENTORY_ROLE: 'dspm-bridge-backup-read',
        AWS_ENDPOINT_URL_BACKUP: peer.url,
        AWS_ENDPOINT_URL_STS: inject('motoEndpoint'),
      };
      // The bridge has watched the stores for 30 hours: longer than the 26-hour RPO.
      rmSync(stateFile, { force: true });
      await pollDataStores(
        {
          dspm: testClient(sim.url, { token: TOKEN }),
          state: new FileStateStore(stateFile),
          sink: new NdjsonSink(() => {}),
          clock: new FakeClock(WATCHED_SINCE),
          logger: silentLogger,
          tenant: new URL(sim.url).host,
        },
        DEFAULT_POLL_SETTINGS,
      );
    });
    afterEach(() => restore());

    it('without EVENT_BUS_NAME tags the stores AWS Backup shows unprotected and appends the events to --events FILE', async () => {
      const eventsFile = join(directory, `${uniqueName('coverage-events')}.ndjson`);
      const refused = await runCliCaptured(['coverage', '--state', stateFile, '--json'], coverageEnv);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--json prints the report on stdout, where the events go too/);

      const run = await runCliCaptured(
        ['coverage', '--state', stateFile, '--events', eventsFile, '--json'],
        coverageEnv,
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`events: NDJSON appended to ${eventsFile} (EVENT_BUS_NAME is not set)`);
      expect(run.stderr).toMatch(/tagged store 2 \(finance\): NOT_ENROLLED \(backup-inventory\)/);
      expect(run.stderr).toMatch(
        /coverage: 1 protected, 2 unprotected, 0 unknown, 0 excluded; inventory aws-backup: 3 asked, 0 could not be asked/,
      );
      expect(
        JSON.parse(run.stdout).decisions.map((d: { storeId: number; to: string }) => [d.storeId, d.to]),
      ).toEqual([
        [1, 'protected'],
        [2, 'unprotected'],
        [3, 'unprotected'],
      ]);
      const events = readFileSync(eventsFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(
        events.map((e) => [
          e.DetailType,
          e.Detail.dataStore.id,
          e.Detail.coverage?.current.state ?? e.Detail.condition,
        ]),
      ).toEqual([
        ['data-store-protection-changed', 1, 'protected'],
        ['data-store-protection-changed', 2, 'unprotected'],
        ['data-store-finding-opened', 2, 'unprotected'],
        ['data-store-protection-changed', 3, 'unprotected'],
        ['data-store-finding-opened', 3, 'unprotected'],
      ]);
      const tag = sim.tenant.listTags().find((t) => t.name === 'Unprotected');
      expect([1, 2, 3].map((id) => sim.tenant.getStore(id)?.data_tags)).toEqual([[], [tag?.id], [tag?.id]]);
      // Store 2's account was asked through its own assumed role.
      expect(peer.requests.map((r) => r.accountId).sort()).toEqual([
        '123456789012',
        '123456789012',
        '234567890123',
      ]);
    });

    it('--dry-run lists the stores it would tag, writing nothing', async () => {
      const run = await runCliCaptured(
        ['coverage', '--dry-run', '--state', stateFile, '--json'],
        coverageEnv,
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/would tag store 3 \(production\): NOT_ENROLLED \(backup-inventory\)/);
      expect(run.stderr).toMatch(
        /coverage dry run: 3 stores checked against an RPO of 26 h, 0 excluded, 3 would change/,
      );
      expect(JSON.parse(run.stdout).decisions).toHaveLength(3);
      expect(sim.tenant.listTags().find((t) => t.name === 'Unprotected')).toBeUndefined();
    });

    it('tags nothing when AWS Backup cannot be asked, and says so', async () => {
      peer.addFault({ kind: 'throttle', count: 1_000 });
      const run = await runCliCaptured(
        [
          'coverage',
          '--state',
          stateFile,
          '--json',
          '--events',
          join(directory, `${uniqueName('e')}.ndjson`),
        ],
        coverageEnv,
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        /unknown: store 2 \(finance\): INVENTORY_UNAVAILABLE: AWS Backup in 234567890123\/us-west-2: ThrottlingException/,
      );
      expect(run.stderr).toMatch(/3 could not be asked \(those stores are unknown, not tagged\)/);
      expect(JSON.parse(run.stdout).decisions).toEqual([]);
      expect(sim.tenant.listTags().find((t) => t.name === 'Unprotected')).toBeUndefined();
    });
  });

  it('never shows the token', async () => {
    const run = await runCliCaptured(['coverage', '--dry-run', '--state', stateFile, '--verbose'], env);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });
});
