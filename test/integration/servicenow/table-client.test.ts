/**
 * The Table API client against the ServiceNow peer over HTTPS: what it sends, how it reads
 * ServiceNow's failure body, when it retries (429 with `Retry-After`, 5xx on idempotent calls
 * only, one credentials refresh after a 401), and that the password never appears in an error.
 * The follower's finding reader (shared/servicenow/finding-view.ts) is held to the event contract here too.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingDetailSchema } from '#shared/events/contract.ts';
import { Secret } from '#shared/secret.ts';
import { ServiceNowError } from '#shared/servicenow/errors.ts';
import { readServiceNowFinding } from '#shared/servicenow/finding-view.ts';
import { type CredentialsProvider, TableClient } from '#shared/servicenow/table-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { PEER_CA_FILE, type ServiceNowPeer, startServiceNowPeer } from '../../peers/servicenow/server.ts';

const PASSWORD = 'peer-password-1';

/** Credentials that count their reads and can start out wrong. */
function credentials(first: string, later = PASSWORD): CredentialsProvider & { reads: number } {
  const provider = {
    reads: 0,
    get: async () => {
      provider.reads++;
      return { username: 'dspm.bridge', password: new Secret(provider.reads === 1 ? first : later) };
    },
    refresh: async () => provider.get(),
  };
  return provider;
}

describe('the ServiceNow Table API client', () => {
  let peer: ServiceNowPeer;
  const dispatcher = new Agent({ connect: { ca: readFileSync(PEER_CA_FILE) } });
  const client = (provider: CredentialsProvider, clock = new FakeClock()) =>
    new TableClient({
      instanceUrl: peer.url,
      table: 'incident',
      credentials: provider,
      clock,
      dispatcher,
      backoffBaseMs: 1,
    });

  beforeAll(async () => {
    peer = await startServiceNowPeer();
  });
  afterAll(async () => {
    await peer.close();
    await dispatcher.close();
  });

  it('creates, finds by correlation_id and updates, sending only sysparm parameters ServiceNow documents', async () => {
    const api = client(credentials(PASSWORD));
    const created = await api.create({
      short_description: 'x',
      correlation_id: 'cid/1',
      impact: '1',
      urgency: '2',
    });
    const found = await api.findByCorrelationId('cid/1');
    const updated = await api.update(created.sys_id as string, { urgency: '1' });
    expect(found.map((r) => r.sys_id)).toEqual([created.sys_id]);
    expect(updated.sys_id).toBe(created.sys_id);
    expect(peer.records.get(created.sys_id as string)?.priority).toBe('1');
    const lookup = peer.requests.find((r) => r.method === 'GET');
    expect(lookup?.query).toEqual({
      sysparm_query: 'correlation_id=cid/1^ORDERBYsys_created_on',
      sysparm_fields: 'sys_id,number,state,correlation_id',
      sysparm_limit: '2',
      sysparm_exclude_reference_link: 'true',
    });
  });

  it('waits as long as a 429 Retry-After says, then goes on, even for a create', async () => {
    const clock = new FakeClock();
    peer.throttle(1, 7);
    const created = await client(credentials(PASSWORD), clock).create({
      short_description: 'y',
      correlation_id: 'cid/2',
    });
    expect(created.sys_id).toMatch(/^[0-9a-f]{32}$/);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('reports a Retry-After past 12 hours (longer than a message can be handed back) as 12 hours, without waiting', async () => {
    // Arrange
    const clock = new FakeClock();
    peer.throttle(1, 86_400);
    // Act
    const error = await client(credentials(PASSWORD), clock)
      .findByCorrelationId('cid/2b')
      .catch((e: unknown) => e);
    // Assert
    expect(error).toBeInstanceOf(ServiceNowError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 12 * 3_600_000 });
    expect(clock.sleeps).toEqual([]);
  });

  it('never retries a create after a 503 (the caller looks it up again), but retries a lookup', async () => {
    peer.down(1);
    const create = client(credentials(PASSWORD)).create({ short_description: 'z', correlation_id: 'cid/3' });
    await expect(create).rejects.toMatchObject({ status: 503, retryable: true });
    peer.down(1);
    await expect(client(credentials(PASSWORD)).findByCorrelationId('cid/3')).resolves.toEqual([]);
  });

  it('reads the credentials again once after a 401, and says what ServiceNow said without the password', async () => {
    const rotated = credentials('old-password');
    await expect(client(rotated).findByCorrelationId('cid/4')).resolves.toEqual([]);
    expect(rotated.reads).toBe(2);
    const wrong = credentials('wrong-1', 'wrong-2');
    const error = await client(wrong)
      .findByCorrelationId('cid/4')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNowError);
    expect((error as ServiceNowError).message).toContain(
      '401: User Not Authenticated: Required to provide Auth information',
    );
    expect((error as ServiceNowError).retryable).toBe(false);
    expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toMatch(
      /wrong-|peer-password|Basic /,
    );
  });

  it('reports a field the strict peer refuses as a permanent error naming it', async () => {
    const error = await client(credentials(PASSWORD))
      .create({ short_description: 'w', u_custom: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(String((error as Error).message)).toContain('Field u_custom is not in incident');
  });
});

describe('reading a finding event', () => {
  const detail = findingDetailSchema.parse({
    schemaVersion: '1',
    eventId: 'a'.repeat(64),
    findingId: 't/data-store/1/finding/public-access',
    occurrence: 2,
    correlationId: 't/data-store/1/finding/public-access/2',
    condition: 'public-access',
    status: 'open',
    severity: 'high',
    previousSeverity: null,
    title: 'Data store x is public',
    openedAt: '2026-12-01T10:00:00.000Z',
    resolvedAt: null,
    resolution: null,
    sequence: 4,
    baseline: false,
    tenant: 't',
    pollId: 'p',
    observedAt: '2026-12-01T10:00:00.000Z',
    test: false,
    dataStore: {
      id: 1,
      name: 'x',
      endpoint: 'e',
      region: null,
      accountId: null,
      service: { id: 1, name: null, displayName: null },
      infrastructureConnection: { id: null, name: null, platform: null },
      dataTags: [],
    },
    evidence: { publicly_inaccessible: 'Off' },
  });
  const event = (detailType: string, d: unknown) =>
    JSON.stringify({ id: 'e1', 'detail-type': detailType, source: 'netskope.dspm', detail: d });

  it('accepts every event the contract accepts', () => {
    const parsed = readServiceNowFinding({
      messageId: 'm1',
      body: event('data-store-finding-opened', detail),
    });
    expect(parsed).toMatchObject({ ok: true, value: { transition: 'opened', detail: { sequence: 4 } } });
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['another detail type', event('data-store-risk-changed', detail), 'detail-type'],
    [
      'a correlation id with ^',
      event('data-store-finding-updated', { ...detail, correlationId: 'a^b' }),
      'detail.correlationId',
    ],
    [
      'no sequence',
      event('data-store-finding-resolved', { ...detail, sequence: undefined }),
      'detail.sequence',
    ],
  ])('refuses %s, naming what is wrong', (_name, body, named) => {
    const parsed = readServiceNowFinding({ messageId: 'm1', body });
    expect(parsed.ok).toBe(false);
    expect((parsed as { reason: string }).reason).toContain(named);
  });
});
