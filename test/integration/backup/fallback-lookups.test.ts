/**
 * What resolving a backup event's resource costs in DSPM requests: the poller's state answers
 * for what it committed, a resource type DSPM does not hold costs nothing, and one listing of an
 * account and region (or one miss) is remembered for every event that follows, until the TTL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FallbackLookups } from '#shared/backup/fallback-lookups.ts';
import { resolveStore } from '#shared/backup/resolve-store.ts';
import { systemClock } from '#shared/clock.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { ENGINEERING_ARN } from '../../helpers/backup-events.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'example.goskope.com';
const UNKNOWN_IN_ACCOUNT = (name: string) => `arn:aws:rds:us-west-2:123456789012:db:${name}`;

describe('resolving backup events against a tenant', () => {
  let sim: RunningSimulator;
  let dspm: DspmClient;
  let committed: MemoryStateStore;
  const empty = () => new MemoryStateStore();

  beforeAll(async () => {
    sim = await startSimulator();
    dspm = testClient(sim.url);
    committed = new MemoryStateStore();
    await pollDataStores(
      {
        dspm,
        state: committed,
        sink: new RecordingSink(),
        clock: systemClock,
        logger: new Capture(),
        tenant: TENANT,
      },
      DEFAULT_POLL_SETTINGS,
    );
  });
  beforeEach(() => sim.clearRequests());
  afterAll(() => sim.close());

  const resolve = (
    state: MemoryStateStore,
    lookups: FallbackLookups,
    target: { resourceArn?: string; endpoint?: string },
  ) => resolveStore({ state, dspm, tenant: TENANT, mappings: new Map(), lookups }, target);

  it('answers a committed store from the state, without a DSPM request', async () => {
    const found = await resolve(committed, new FallbackLookups(systemClock), {
      resourceArn: ENGINEERING_ARN,
    });
    expect(found).toEqual({ storeId: 1, by: 'resource-arn' });
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    ['an EBS volume', 'arn:aws:ec2:us-west-2:123456789012:volume/vol-0123456789abcdef0'],
    ['an EC2 instance', 'arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0'],
    ['an EFS file system', 'arn:aws:elasticfilesystem:us-west-2:123456789012:file-system/fs-01234567'],
  ])('costs no DSPM request for %s, a type DSPM does not hold', async (_what, resourceArn) => {
    expect(await resolve(empty(), new FallbackLookups(systemClock), { resourceArn })).toBeUndefined();
    expect(sim.requests).toHaveLength(0);
  });

  it('lists an account and region once for every unknown resource in it, until the TTL', async () => {
    // Arrange: a state that knows nothing (a store created since the last poll, say).
    const clock = new FakeClock(Date.parse('2026-11-23T02:00:00Z'));
    const lookups = new FallbackLookups(clock, { ttlMs: 60_000 });
    // Act: three events in the same account and region, two of them for instances DSPM does not list.
    const found = await resolve(empty(), lookups, { resourceArn: ENGINEERING_ARN });
    const misses = await Promise.all(
      ['not-scanned-1', 'not-scanned-2'].map((name) =>
        resolve(empty(), lookups, { resourceArn: UNKNOWN_IN_ACCOUNT(name) }),
      ),
    );
    const requestsWithinTtl = sim.requests.length;
    clock.nowMs += 60_001;
    await resolve(empty(), lookups, { resourceArn: UNKNOWN_IN_ACCOUNT('not-scanned-1') });
    // Assert
    expect(found).toEqual({ storeId: 1, by: 'resource-arn' });
    expect(misses).toEqual([undefined, undefined]);
    expect(requestsWithinTtl).toBe(1);
    expect(sim.requests).toHaveLength(2);
    expect(lookups.listings).toBe(2);
  });

  it('remembers an endpoint DSPM does not list, so a repeated event asks once', async () => {
    const lookups = new FallbackLookups(systemClock);
    for (let i = 0; i < 5; i++)
      expect(await resolve(empty(), lookups, { endpoint: 'db.example.internal:5432' })).toBeUndefined();
    expect(sim.requests).toHaveLength(1);
  });

  it('does not walk an account larger than its cap, one page is all it costs', async () => {
    // Arrange: a cap below the account's two stores in us-west-2.
    const lookups = new FallbackLookups(systemClock, { maxStores: 1 });
    const small = testClient(sim.url, { pageSize: 1, concurrency: 1 });
    // Act
    const found = await resolveStore(
      { state: empty(), dspm: small, tenant: TENANT, mappings: new Map(), lookups },
      { resourceArn: UNKNOWN_IN_ACCOUNT('not-scanned-3') },
    );
    // Assert: not found, and the listing stopped at the cap instead of failing the event.
    expect(found).toBeUndefined();
    expect(sim.requests.length).toBeLessThanOrEqual(2);
  });

  it('does not remember a listing that failed: the retried event asks again', async () => {
    const lookups = new FallbackLookups(systemClock);
    sim.faults.add({ kind: 'status', status: 400, count: 1, match: { route: 'data_stores/connected' } });
    await expect(resolve(empty(), lookups, { resourceArn: ENGINEERING_ARN })).rejects.toThrow();
    expect(await resolve(empty(), lookups, { resourceArn: ENGINEERING_ARN })).toEqual({
      storeId: 1,
      by: 'resource-arn',
    });
  });
});
