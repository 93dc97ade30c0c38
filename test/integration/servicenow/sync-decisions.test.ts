/**
 * Decisions come back: the sync use case against the ServiceNow peer over HTTPS (through the real
 * Table API client) with its memory in DynamoDB (moto). People resolve and close the bridge's
 * records through the peer as themselves; the exceptions port records what it is asked (the
 * exceptions store is wired to it in the Lambda), so these tests assert on the requests the sync
 * makes, the watermark it keeps and the calls the peer saw.
 */
import { readFileSync } from 'node:fs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ExceptionRequest } from '#shared/exceptions/exception-request.ts';
import type { LogAttributes, Logger } from '#shared/logger.ts';
import { Secret } from '#shared/secret.ts';
import { CORRELATION_DISPLAY } from '#shared/servicenow/incident-fields.ts';
import {
  type DecisionRecorder,
  decisionExceptionId,
  type SyncSettings,
  syncDecisions,
} from '#shared/servicenow/sync-decisions.ts';
import { DynamoDbSyncStore } from '#shared/servicenow/sync-store.ts';
import { TableClient } from '#shared/servicenow/table-client.ts';
import {
  INCIDENT_PROFILE,
  SECURITY_INCIDENT_PROFILE,
  type TableProfile,
} from '#shared/servicenow/table-profile.ts';
import { motoClients, uniqueName } from '../../helpers/aws.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { PEER_CA_FILE, type ServiceNowPeer, startServiceNowPeer } from '../../peers/servicenow/server.ts';

const BRIDGE = 'dspm.bridge';
const PERSON = 'jane.analyst';
const TENANT = 'example.goskope.com';
const USERS = {
  [BRIDGE]: { password: 'peer-password-1', roles: ['itil', 'sn_si.analyst'] },
  [PERSON]: { password: 'jane-password-2', roles: ['itil', 'sn_si.analyst'] },
};
const MAPPING = {
  'Risk Accepted': { reason: 'risk-accepted', days: 90 },
  'False positive': { reason: 'false-positive', days: 180 },
} as const;

/** An exceptions port that records each decision once per key, and can be told to fail. */
class RecordingDecisions implements DecisionRecorder {
  readonly requests = new Map<string, ExceptionRequest>();
  calls = 0;
  failOnCall: number | undefined;

  async recordDecision(request: ExceptionRequest, key: string) {
    this.calls++;
    if (this.calls === this.failOnCall) throw new Error('the state table is unavailable just now');
    if (!this.requests.has(key)) this.requests.set(key, request);
    return { exceptionId: decisionExceptionId(key) };
  }
}

/** A logger that keeps its lines. */
function keptLogger(): Logger & { lines: { level: string; message: string; attributes: LogAttributes }[] } {
  const lines: { level: string; message: string; attributes: LogAttributes }[] = [];
  const at =
    (level: string) =>
    (message: string, ...attributes: LogAttributes[]) =>
      lines.push({ level, message, attributes: Object.assign({}, ...attributes) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('the ServiceNow decision sync', () => {
  const clients = motoClients(inject('motoEndpoint'));
  const documents = DynamoDBDocumentClient.from(clients.dynamoDb);
  const dispatcher = new Agent({ connect: { ca: readFileSync(PEER_CA_FILE) } });
  /** A fresh instance per test, so each test sees only its own records. */
  let peer: ServiceNowPeer;
  let store = 0;

  const client = (target: ServiceNowPeer, table: string, user: keyof typeof USERS) =>
    new TableClient({
      instanceUrl: target.url,
      table,
      credentials: {
        get: async () => ({ username: user, password: new Secret(USERS[user].password) }),
        refresh: async () => ({ username: user, password: new Secret(USERS[user].password) }),
      },
      clock: new FakeClock(),
      dispatcher,
      backoffBaseMs: 1,
      maxWaitMs: 1000,
    });

  /** A record as the follower creates it, for a new store. */
  const bridgeRecord = async (target: ServiceNowPeer, table = 'incident') => {
    store++;
    return client(target, table, BRIDGE).create({
      short_description: `DSPM high: store ${store}`,
      correlation_id: `${TENANT}/data-store/${store}/finding/public-access/1`,
      correlation_display: CORRELATION_DISPLAY,
      impact: '1',
      urgency: '2',
    });
  };
  /** What a person does in the form: resolve (or, on SIR, review then close) with a code and notes. */
  const personCloses = async (
    target: ServiceNowPeer,
    sysId: string,
    closeCode: string,
    notes: string,
    table = 'incident',
  ) => {
    const api = client(target, table, PERSON);
    if (table === 'sn_si_incident') {
      await api.update(sysId, { state: '100' });
      return api.update(sysId, { state: '3', close_code: closeCode, close_notes: notes });
    }
    return api.update(sysId, { state: '6', close_code: closeCode, close_notes: notes });
  };

  const newTable = async () => {
    const name = uniqueName('servicenow-sync');
    await clients.dynamoDb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'correlationId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'correlationId', AttributeType: 'S' }],
      }),
    );
    return new DynamoDbSyncStore(documents, name);
  };
  const settings = (profile: TableProfile = INCIDENT_PROFILE, overrides: Partial<SyncSettings> = {}) => ({
    profile,
    mapping: MAPPING,
    integrationUser: BRIDGE,
    overlapMs: 5 * 60_000,
    initialLookbackMs: 24 * 3600_000,
    pageSize: 100,
    maxPages: 10,
    ...overrides,
  });
  const ports = async (target: ServiceNowPeer, table = 'incident') => ({
    table: client(target, table, BRIDGE),
    store: await newTable(),
    decisions: new RecordingDecisions(),
    clock: new FakeClock(Date.now()),
    logger: keptLogger(),
  });

  beforeEach(async () => {
    peer = await startServiceNowPeer({ users: USERS, extraCloseCodes: ['Risk Accepted', 'False positive'] });
  });
  afterEach(async () => {
    await peer.close();
  });
  afterAll(async () => {
    await dispatcher.close();
  });

  it('turns a record a person resolved "Risk Accepted" into one exception request, and reads nothing twice', async () => {
    // Arrange: one record the person resolves, one the bridge resolves itself.
    const accepted = await bridgeRecord(peer);
    const own = await bridgeRecord(peer);
    await personCloses(
      peer,
      accepted.sys_id as string,
      'Risk Accepted',
      'Public by design: the catalogue bucket.',
    );
    await client(peer, 'incident', BRIDGE).update(own.sys_id as string, {
      state: '6',
      close_code: 'Solution provided',
      close_notes: 'Resolved by dspm-bridge',
    });
    const sync = await ports(peer);
    // Act
    const report = await syncDecisions(sync, settings());
    const again = await syncDecisions(sync, settings());
    // Assert
    expect(report).toMatchObject({ exceptions: 1, read: 1, pages: 1 });
    expect([...sync.decisions.requests.values()]).toEqual([
      {
        tenant: TENANT,
        scope: { findingId: `${TENANT}/data-store/${store - 1}/finding/public-access` },
        reason: 'risk-accepted',
        justification: 'Public by design: the catalogue bucket.',
        requestedBy: PERSON,
        approvedBy: PERSON,
        expires: '90d',
        source: 'servicenow',
      },
    ]);
    // The overlap reads the record again; it is recognised and nothing is recorded twice.
    expect(again).toMatchObject({ read: 1, alreadyApplied: 1, exceptions: 0 });
    expect(sync.decisions.calls).toBe(1);
    const queries = peer.requests.filter(
      (r) => r.method === 'GET' && r.query.sysparm_query?.includes('sys_updated_by'),
    );
    expect(queries.at(-1)?.query.sysparm_query).toMatch(
      /^correlation_display=dspm-bridge\^stateIN6,7\^sys_updated_by!=dspm\.bridge\^sys_updated_on>=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\^ORDERBYsys_updated_on\^ORDERBYsys_id$/,
    );
    expect(queries.at(-1)?.query.sysparm_fields).toContain('resolved_by.user_name');
  });

  it('makes no exception for a close code that is no decision, and says so', async () => {
    const record = await bridgeRecord(peer);
    await personCloses(peer, record.sys_id as string, 'Workaround provided', 'Moved the data elsewhere.');
    const sync = await ports(peer);
    const report = await syncDecisions(sync, settings());
    expect(report).toMatchObject({ exceptions: 0, unmapped: 1 });
    expect(sync.decisions.calls).toBe(0);
    expect(sync.logger.lines).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining('close code that is no decision'),
        attributes: expect.objectContaining({ number: record.number, closeCode: 'Workaround provided' }),
      }),
    );
  });

  it('pages through every decision and keeps the newest sys_updated_on as its watermark', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await bridgeRecord(peer));
    for (const record of created) {
      await personCloses(peer, record.sys_id as string, 'Risk Accepted', `Accepted ${record.number}`);
    }
    const sync = await ports(peer);
    const report = await syncDecisions(sync, settings(INCIDENT_PROFILE, { pageSize: 2 }));
    expect(report).toMatchObject({ read: 5, exceptions: 5, pages: 3 });
    expect(peer.requests.filter((r) => r.method === 'GET').map((r) => r.query.sysparm_offset)).toEqual([
      '0',
      '2',
      '4',
    ]);
    for (const record of created)
      expect(sync.decisions.requests.has(`${record.sys_id}/Risk Accepted`)).toBe(true);
    const decided = created.map((r) => peer.records.get(r.sys_id as string)?.sys_updated_on ?? '').sort();
    expect((await sync.store.read()).watermark).toBe(decided.at(-1));
  });

  it('loses nothing and applies nothing twice when a run fails half-way', async () => {
    const first = await bridgeRecord(peer);
    const second = await bridgeRecord(peer);
    await personCloses(peer, first.sys_id as string, 'Risk Accepted', 'First');
    await personCloses(peer, second.sys_id as string, 'False positive', 'Second');
    const sync = await ports(peer);
    const baseline = await syncDecisions(sync, settings());
    const seen = sync.decisions.calls;
    // A new pair of decisions; the exceptions store fails on the second one.
    const third = await bridgeRecord(peer);
    const fourth = await bridgeRecord(peer);
    await personCloses(peer, third.sys_id as string, 'Risk Accepted', 'Third');
    await personCloses(peer, fourth.sys_id as string, 'Risk Accepted', 'Fourth');
    sync.decisions.failOnCall = seen + 2;
    // Act
    await expect(syncDecisions(sync, settings())).rejects.toThrow('the state table is unavailable');
    const after = await syncDecisions(sync, settings());
    // Assert: the third was applied once, the fourth on the run after the failure.
    expect(baseline.exceptions).toBeGreaterThanOrEqual(2);
    expect(after).toMatchObject({ exceptions: 1 });
    expect(sync.decisions.requests.get(`${fourth.sys_id}/Risk Accepted`)?.justification).toBe('Fourth');
    expect(sync.decisions.calls).toBe(seen + 3);
  });

  it('stops at the per-hour rate limit, waits out its Retry-After, and goes on where it stopped', async () => {
    // Arrange: three decisions ten minutes apart on an instance whose rule allows 2 requests an
    // hour; the sync reads one record a page.
    let peerNow = Date.parse('2026-12-07T09:00:00Z');
    const limited = await startServiceNowPeer({
      users: USERS,
      extraCloseCodes: ['Risk Accepted'],
      requestsPerHour: 2,
      now: () => peerNow,
    });
    try {
      const records = [];
      for (let i = 0; i < 3; i++) {
        limited.resetRateWindow();
        const record = await bridgeRecord(limited);
        await personCloses(limited, record.sys_id as string, 'Risk Accepted', `Accepted ${i}`);
        records.push(record);
        peerNow += 10 * 60_000;
      }
      limited.resetRateWindow();
      const sync = await ports(limited);
      sync.clock.nowMs = peerNow;
      const onePerPage = settings(INCIDENT_PROFILE, { pageSize: 1 });
      // Act: pages 1 and 2 fit; page 3 is refused with Retry-After to the window's reset.
      const stopped = await syncDecisions(sync, onePerPage);
      const seen = limited.requests.length;
      const paused = await syncDecisions(sync, onePerPage);
      // Assert: stopped at the limit, the wait as ServiceNow sent it, no call while paused.
      expect(stopped).toMatchObject({ exceptions: 2, stopped: { why: 'rate-limited' } });
      expect(limited.requests.at(-1)?.status).toBe(429);
      expect(Date.parse(paused.pausedUntil as string)).toBe(sync.clock.nowMs + 3600_000);
      expect(limited.requests.length).toBe(seen);
      // Act: the window resets and the pause is over.
      peerNow += 3600_000;
      limited.resetRateWindow();
      sync.clock.nowMs = Date.parse(paused.pausedUntil as string) + 1;
      const resumed = await syncDecisions(sync, onePerPage);
      // Assert: it went on from its watermark (less the overlap): the third applied, nothing twice.
      expect(resumed.exceptions).toBe(1);
      expect(sync.decisions.calls).toBe(3);
      for (const record of records) {
        expect(sync.decisions.requests.has(`${record.sys_id}/Risk Accepted`)).toBe(true);
      }
    } finally {
      await limited.close();
    }
  });

  it('reads closed security incidents on sn_si_incident, with their close codes', async () => {
    const record = await bridgeRecord(peer, 'sn_si_incident');
    await personCloses(
      peer,
      record.sys_id as string,
      'False positive',
      'The bucket is empty.',
      'sn_si_incident',
    );
    const sync = await ports(peer, 'sn_si_incident');
    const report = await syncDecisions(sync, settings(SECURITY_INCIDENT_PROFILE));
    expect(report.exceptions).toBe(1);
    expect(sync.decisions.requests.get(`${record.sys_id}/False positive`)).toMatchObject({
      reason: 'false-positive',
      requestedBy: PERSON,
      expires: '180d',
      justification: 'The bucket is empty.',
    });
    expect(sync.decisions.requests.get(`${record.sys_id}/False positive`)?.approvedBy).toBeUndefined();
  });
});
