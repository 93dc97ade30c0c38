/**
 * The coverage sweep against the guide tenant spread over two accounts and three regions, with
 * AWS Backup played by its peer (over HTTP, through the real SDK) and STS by moto (the assumed
 * role per account). Time is a fake clock: "day one" and "one RPO later" are set, not waited for.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsBackupInventory, type AwsBackupInventorySettings } from '#shared/aws/backup-inventory.ts';
import { DEFAULT_LOCKING, type ProtectionSettings } from '#shared/backup/apply-protection.ts';
import { NO_INVENTORY } from '#shared/backup/inventory.ts';
import { dryRunTagWriter } from '#shared/backup/store-tags.ts';
import { type SweepSettings, sweepCoverage } from '#shared/backup/sweep-coverage.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { DETAIL_SCHEMAS, type ProtectionChangedDetail } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { DryRunStateStore } from '#shared/state/dry-run-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';
import { motoAccountOf } from '../../peers/aws-backup/moto-accounts.ts';
import {
  type AwsBackupPeer,
  type PeerRecoveryPoint,
  startAwsBackupPeer,
} from '../../peers/aws-backup/server.ts';

const TENANT = 'example.goskope.com';
const T0 = Date.parse('2026-11-22T00:00:00Z');
const HOUR = 3_600_000;
const DEMO = '123456789012';
const PRODUCTION = '234567890123';

/** The stores and their ARNs: the guide's three in us-west-2, one in eu-west-1, one in us-east-1. */
const ARN = {
  engineering: `arn:aws:rds:us-west-2:${DEMO}:db:postgres-engineering`,
  // Store 2's own account id is the guide's 11-digit one: its connection's account is used.
  mysqlDev: `arn:aws:rds:us-west-2:${PRODUCTION}:db:mysql-db-dev`,
  production: `arn:aws:rds:us-west-2:${DEMO}:db:production`,
  reports: `arn:aws:rds:eu-west-1:${PRODUCTION}:db:reports`,
  orders: `arn:aws:rds:us-east-1:${DEMO}:cluster:orders`,
} as const;

function points(arn: string, ...at: Array<[number, string]>): PeerRecoveryPoint[] {
  return at.map(([ms, status], i) => ({
    recoveryPointArn: `${arn}:rp-${String(i).padStart(3, '0')}`,
    creationDate: new Date(ms),
    status,
  }));
}

describe('the coverage sweep asks AWS Backup before it tags', () => {
  let sim: RunningSimulator;
  let peer: AwsBackupPeer;
  let dspm: DspmClient;
  let state: MemoryStateStore;
  let sink: RecordingSink;
  let logger: Capture;
  const motoEndpoint = inject('motoEndpoint');
  const settings: ProtectionSettings = {
    tag: DEFAULT_UNPROTECTED_TAG,
    source: 'netskope.dspm',
    test: true,
    mappings: new Map(),
    ...DEFAULT_LOCKING,
  };
  const sweepSettings: SweepSettings = {
    rpoHours: 26,
    excludedServices: new Set(),
    excludedConnections: new Set(),
    maxChanges: 500,
  };
  const inventory = (clock: FakeClock, overrides: AwsBackupInventorySettings = {}) =>
    new AwsBackupInventory(
      { roleArnTemplate: 'dspm-bridge-backup-read', ...overrides },
      {
        clock,
        // Without a role, the bridge's own credentials (moto's default account) sign the calls.
        backupConfig: { endpoint: peer.url, maxAttempts: 2, credentials: MOTO_AWS.credentials },
        stsConfig: { endpoint: motoEndpoint, ...MOTO_AWS },
      },
    );
  const sweepAt = (
    hoursAfterBaseline: number,
    options: {
      inventory?: AwsBackupInventorySettings | 'none';
      sweep?: Partial<SweepSettings>;
      dryRun?: boolean;
    } = {},
  ) => {
    const clock = new FakeClock(T0 + hoursAfterBaseline * HOUR);
    const catalog = new CatalogCache(dspm, clock);
    // A dry run is a choice of ports, as the wiring makes it: a state that writes nothing, a tag
    // writer that only looks, a sink nobody reads.
    const readOnly = options.dryRun ? new DryRunStateStore(state) : undefined;
    return sweepCoverage(
      {
        dspm,
        state: readOnly ?? state,
        sink: options.dryRun ? new RecordingSink() : sink,
        catalog,
        clock,
        logger,
        tenant: TENANT,
        inventory: options.inventory === 'none' ? NO_INVENTORY : inventory(clock, options.inventory),
        ...(readOnly
          ? {
              tags: dryRunTagWriter(
                { dspm, state: readOnly, clock, tenant: TENANT, catalog },
                DEFAULT_UNPROTECTED_TAG,
              ),
            }
          : {}),
      },
      settings,
      { ...sweepSettings, ...options.sweep },
      `sweep-${hoursAfterBaseline}`,
    );
  };
  const unprotectedTagId = () => sim.tenant.listTags().find((t) => t.name === 'Unprotected')?.id;
  const taggedStores = () => {
    const tagId = unprotectedTagId();
    return sim.tenant
      .listStores()
      .filter((s) => tagId !== undefined && s.data_tags.includes(tagId))
      .map((s) => s.id);
  };
  const coverageEvents = () =>
    sink
      .details<ProtectionChangedDetail>('data-store-protection-changed')
      .map((d) => [
        d.dataStore.id,
        d.coverage.current.state,
        d.coverage.current.reason,
        d.coverage.current.evidence,
        d.tag.action,
      ]);
  /** AWS Backup as on day one: two stores backed up last night, one with only a stale point. */
  const dayOneInventory = () => {
    peer.reset();
    // A year of daily points for engineering, so the newest is many pages in.
    const daily = Array.from(
      { length: 12 },
      (_, day) => [T0 - 2 * HOUR - day * 24 * HOUR, 'COMPLETED'] as [number, string],
    );
    peer.addResource({
      resourceArn: ARN.engineering,
      accountId: DEMO,
      region: 'us-west-2',
      recoveryPoints: points(ARN.engineering, ...daily.reverse()),
    });
    peer.addResource({
      resourceArn: ARN.production,
      accountId: DEMO,
      region: 'us-west-2',
      // Three days old, and a newer one that only partly finished: neither covers the RPO.
      recoveryPoints: points(ARN.production, [T0 - 72 * HOUR, 'COMPLETED'], [T0 - HOUR, 'PARTIAL']),
    });
    peer.addResource({
      resourceArn: ARN.reports,
      accountId: PRODUCTION,
      region: 'eu-west-1',
      recoveryPoints: points(ARN.reports, [T0 - 3 * HOUR, 'COMPLETED']),
    });
  };
  /** The nightly backups one day on. */
  const nextNight = () => {
    for (const [arn, accountId, region] of [
      [ARN.engineering, DEMO, 'us-west-2'],
      [ARN.reports, PRODUCTION, 'eu-west-1'],
    ] as const) {
      peer.addResource({
        resourceArn: arn,
        accountId,
        region,
        recoveryPoints: points(arn, [T0 + 22 * HOUR, 'COMPLETED']),
      });
    }
  };

  beforeAll(async () => {
    sim = await startSimulator();
    peer = await startAwsBackupPeer({ accountOf: motoAccountOf(motoEndpoint) });
  });
  beforeEach(async () => {
    sim.tenant.reset();
    sim.tenant.addStore({
      name: 'reports',
      infrastructure_connection_id: 2,
      account_id: PRODUCTION,
      region: 'eu-west-1',
      endpoint: 'reports.abcdefghijk2.eu-west-1.rds.amazonaws.com:5432/reports',
    });
    sim.tenant.addStore({
      name: 'orders',
      infrastructure_connection_id: 1,
      account_id: DEMO,
      region: 'us-east-1',
      endpoint: 'orders.cluster-abcdefghijk3.us-east-1.rds.amazonaws.com:3306/orders',
    });
    dspm = testClient(sim.url);
    state = new MemoryStateStore();
    sink = new RecordingSink();
    logger = new Capture();
    dayOneInventory();
    // The first poll at T0 starts the bridge's watch of every store.
    await pollDataStores(
      { dspm, state, sink, clock: new FakeClock(T0), logger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    sink.clear();
    sim.clearRequests();
  });
  afterAll(async () => {
    await peer.close();
    await sim.close();
  });

  it('tags nothing on day one: protected stores are recorded protected, the rest are unknown', async () => {
    const report = await sweepAt(1);

    expect(taggedStores()).toEqual([]);
    expect(report.decisions.map((d) => [d.storeId, d.to, d.evidence])).toEqual([
      [1, 'protected', 'backup-inventory'],
      [4, 'protected', 'backup-inventory'],
    ]);
    expect(report.unknown.map((u) => [u.storeId, u.reason])).toEqual([
      [2, 'WATCHING'],
      [3, 'WATCHING'],
      [5, 'WATCHING'],
    ]);
    expect(report.coverage).toEqual({ protected: 2, unprotected: 0, unknown: 3, excluded: 0 });
    expect(coverageEvents()).toEqual([
      [1, 'protected', 'BACKUP_SUCCEEDED', 'backup-inventory', 'unchanged'],
      [4, 'protected', 'BACKUP_SUCCEEDED', 'backup-inventory', 'unchanged'],
    ]);
    const [first] = sink.details<ProtectionChangedDetail>('data-store-protection-changed');
    expect(first?.coverage.previous).toBeNull();
    expect(first?.protection.current.lastSuccessAt).toBe(new Date(T0 - 2 * HOUR).toISOString());
  });

  it('after one RPO of watching, tags exactly the stores AWS Backup holds no recent recovery point for', async () => {
    await sweepAt(1);
    nextNight();
    sink.clear();

    const report = await sweepAt(27);

    expect(taggedStores()).toEqual([2, 3, 5]);
    expect(report.decisions.map((d) => [d.storeId, d.to, d.reason])).toEqual([
      [2, 'unprotected', 'NOT_ENROLLED'],
      [3, 'unprotected', 'RPO_BREACH'],
      [5, 'unprotected', 'NOT_ENROLLED'],
    ]);
    expect(coverageEvents()).toEqual([
      [2, 'unprotected', 'NOT_ENROLLED', 'backup-inventory', 'added'],
      [3, 'unprotected', 'RPO_BREACH', 'backup-inventory', 'added'],
      [5, 'unprotected', 'NOT_ENROLLED', 'backup-inventory', 'added'],
    ]);
    // Store 1's newer point was remembered, so it was not asked about twice in a row.
    expect((await state.getProtection(TENANT, 1))?.lastSuccessAt).toBe(
      new Date(T0 + 22 * HOUR).toISOString(),
    );
    for (const detail of sink.details('data-store-protection-changed'))
      expect(DETAIL_SCHEMAS['data-store-protection-changed'].safeParse(detail).success).toBe(true);
  });

  it("asks each store's own account (through the assumed role) and region, and follows NextToken", async () => {
    nextNight();
    peer.addResource({
      resourceArn: ARN.engineering,
      accountId: DEMO,
      region: 'us-west-2',
      recoveryPoints: points(
        ARN.engineering,
        ...Array.from({ length: 12 }, (_, i) => [T0 - i * 24 * HOUR, 'COMPLETED'] as [number, string]),
        [T0 + 22 * HOUR, 'COMPLETED'],
      ),
    });
    await sweepAt(27);

    const asked = peer.requests.filter((r) => r.status === 200 || r.status === 400);
    const where = new Set(asked.map((r) => `${r.accountId}/${r.region}`));
    expect(where).toEqual(
      new Set([
        `${DEMO}/us-west-2`,
        `${PRODUCTION}/us-west-2`,
        `${PRODUCTION}/eu-west-1`,
        `${DEMO}/us-east-1`,
      ]),
    );
    for (const request of asked) {
      const [, , , region, account] = (request.resourceArn ?? '').split(':');
      expect([request.accountId, request.region]).toEqual([account, region]);
    }
    // Thirteen points at five a page, the newest listed last: three pages for engineering.
    expect(asked.filter((r) => r.resourceArn === ARN.engineering)).toHaveLength(3);
    expect(asked.some((r) => r.query.nextToken !== undefined)).toBe(true);
    expect(taggedStores()).toEqual([2, 3, 5]);
  });

  it('tags nothing when AWS Backup cannot be asked: throttled, no inventory, or denied in one account', async () => {
    peer.addFault({ kind: 'throttle', count: 1_000 });
    const throttled = await sweepAt(27);
    expect(taggedStores()).toEqual([]);
    expect(throttled.inventoryUnavailable).toBe(5);
    expect(throttled.unknown.every((u) => u.reason === 'INVENTORY_UNAVAILABLE')).toBe(true);
    expect(throttled.unknown[0]?.detail).toMatch(/ThrottlingException/);
    expect(logger.lines.some((l) => l.level === 'warn' && /unknown and not tagged/.test(l.message))).toBe(
      true,
    );

    const none = await sweepAt(27, { inventory: 'none' });
    expect(taggedStores()).toEqual([]);
    expect(none.coverage).toEqual({ protected: 0, unprotected: 0, unknown: 5, excluded: 0 });
    expect(none.unknown[0]?.detail).toMatch(/BACKUP_INVENTORY=off/);

    peer.reset();
    dayOneInventory();
    peer.addFault({ kind: 'deny', accountId: DEMO, count: 1_000 });
    const denied = await sweepAt(27);
    // Only the answering account's stores are tagged (2 never backed up, 4's point is 30 h old).
    expect(taggedStores()).toEqual([2, 4]);
    expect(denied.unknown.map((u) => [u.storeId, u.reason])).toEqual([
      [1, 'INVENTORY_UNAVAILABLE'],
      [3, 'INVENTORY_UNAVAILABLE'],
      [5, 'INVENTORY_UNAVAILABLE'],
    ]);
    expect(denied.unknown[0]?.detail).toMatch(/AccessDeniedException/);
  });

  it('without a role asks only its own account, and the others stay unknown', async () => {
    nextNight();
    const report = await sweepAt(27, { inventory: { roleArnTemplate: undefined } });
    expect(taggedStores()).toEqual([3, 5]);
    expect(report.unknown.map((u) => [u.storeId, u.detail])).toEqual([
      [2, expect.stringMatching(/234567890123 is not the bridge's own and BACKUP_INVENTORY_ROLE is not set/)],
      [4, expect.stringMatching(/BACKUP_INVENTORY_ROLE/)],
    ]);
  });

  it('publishes coverage as it moves: a sweep tag lifted, protected to unknown, then excluded', async () => {
    await sweepAt(1);
    nextNight();
    await sweepAt(27);
    sink.clear();

    // Two days on: store 3 was backed up at last, engineering again; the production account denies.
    peer.addResource({
      resourceArn: ARN.production,
      accountId: DEMO,
      region: 'us-west-2',
      recoveryPoints: points(ARN.production, [T0 + 50 * HOUR, 'COMPLETED']),
    });
    peer.addResource({
      resourceArn: ARN.engineering,
      accountId: DEMO,
      region: 'us-west-2',
      recoveryPoints: points(ARN.engineering, [T0 + 46 * HOUR, 'COMPLETED']),
    });
    peer.addFault({ kind: 'deny', accountId: PRODUCTION, count: 1_000 });
    await sweepAt(52);
    expect(taggedStores()).toEqual([2, 5]);
    expect(coverageEvents()).toEqual([
      [3, 'protected', 'BACKUP_SUCCEEDED', 'backup-inventory', 'removed'],
      // Its last known point is older than the RPO and AWS Backup cannot be asked: unknown, never a tag.
      [4, 'unknown', 'INVENTORY_UNAVAILABLE', 'none', 'unchanged'],
    ]);
    const four = sink.details<ProtectionChangedDetail>('data-store-protection-changed')[1];
    expect(four?.coverage.previous).toEqual({
      state: 'protected',
      reason: 'BACKUP_SUCCEEDED',
      evidence: 'backup-inventory',
    });
    expect(four?.protection.current.status).toBe('protected');
    sink.clear();

    // The production connection is excluded: the sweep's own tag on store 2 comes off.
    const excluded = { sweep: { excludedConnections: new Set([2]) } };
    await sweepAt(53, excluded);
    expect(taggedStores()).toEqual([5]);
    expect(coverageEvents()).toEqual([
      [2, 'excluded', 'EXCLUDED_CONNECTION', 'configuration', 'removed'],
      [4, 'excluded', 'EXCLUDED_CONNECTION', 'configuration', 'unchanged'],
    ]);
    sink.clear();
    const again = await sweepAt(54, excluded);
    expect(again.decisions).toEqual([]);
    expect(again.coverage.excluded).toBe(2);
  });

  it('lists in a dry run what it would change, writing nothing, and defers past the change cap', async () => {
    nextNight();
    const report = await sweepAt(27, { dryRun: true, sweep: { maxChanges: 2 } });
    expect(report.decisions.map((d) => [d.storeId, d.to])).toEqual([
      [1, 'protected'],
      [2, 'unprotected'],
    ]);
    expect(report.deferred).toBe(3);
    expect(sim.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([]);
    expect(await state.listProtections(TENANT)).toEqual(new Map());
  });

  it('asks at most COVERAGE_MAX_LOOKUPS stores a sweep, those watched for one RPO first', async () => {
    // Store 1, first in order, as if the bridge had first seen it 20 hours after the others.
    const engineering = (await state.loadStores(TENANT)).get(1);
    if (!engineering) throw new Error('the baseline has store 1');
    const seen = new Date(T0 + 20 * HOUR).toISOString();
    await state.commitStores(TENANT, [
      { ...engineering, sequence: engineering.sequence + 1, observedAt: seen, firstSeenAt: seen },
    ]);
    const report = await sweepAt(27, { sweep: { maxLookups: 4 } });
    expect(report.inventoryLookups).toBe(4);
    expect(peer.requests.some((r) => r.resourceArn === ARN.engineering)).toBe(false);
    expect(report.unknown.find((u) => u.storeId === 1)?.detail).toMatch(/COVERAGE_MAX_LOOKUPS/);
    expect(report.inventoryUnavailable).toBe(0);
    expect(taggedStores()).toEqual([2, 3, 4, 5]);
    expect(logger.lines.some((l) => /inventory lookup cap/.test(l.message))).toBe(true);
  });

  it('a store the bridge first saw less than one RPO ago is not tagged, even when AWS Backup has nothing', async () => {
    await sweepAt(27);
    const late = sim.tenant.addStore({
      name: 'newcomer',
      infrastructure_connection_id: 1,
      account_id: DEMO,
      region: 'us-west-2',
      endpoint: 'newcomer.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/app',
    });
    await pollDataStores(
      { dspm, state, sink, clock: new FakeClock(T0 + 27 * HOUR), logger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    const soon = await sweepAt(40);
    expect(soon.unknown.map((u) => [u.storeId, u.reason])).toEqual([[late.id, 'WATCHING']]);
    expect(taggedStores()).not.toContain(late.id);
    const later = await sweepAt(54);
    expect(later.decisions.map((d) => [d.storeId, d.reason])).toContainEqual([late.id, 'NOT_ENROLLED']);
    expect(taggedStores()).toContain(late.id);
  });
});
