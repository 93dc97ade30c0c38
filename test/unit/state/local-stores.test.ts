/**
 * The memory and file state stores keep the same promises as the DynamoDB one: a commit never
 * moves a store backwards, and only a lease's holder renews or releases it. The file store also
 * records who holds its lease and takes over a lease whose holder process is gone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '#shared/state/file-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';

const TENANT = 'acme.goskope.com';
const NOW = new Date('2026-12-01T12:00:00Z');
const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-state-'));
let files = 0;
const newFileStore = () => new FileStateStore(join(directory, `state-${files++}.json`));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function record(sequence: number, observedAt: string, name = `store-${sequence}`): StoreRecord {
  return {
    storeId: 7,
    identity: { name, endpoint: 'db.example', serviceId: 1, connectionId: 2, region: null, accountId: null },
    snapshot: { encryption: 'On' },
    fingerprint: `fp-${sequence}-${observedAt}`,
    sequence,
    observedAt,
  };
}

describe.each([
  ['memory', () => new MemoryStateStore()],
  ['file', newFileStore],
])('the %s state store', (_kind, create) => {
  it.each([
    ['a lower sequence', record(1, '2026-12-01T12:05:00Z', 'older')],
    ['the same sequence observed earlier', record(2, '2026-12-01T11:59:00Z', 'older')],
  ])('refuses %s over a newer commit and keeps the newer record', async (_case, older) => {
    // Arrange
    const store = create();
    const newer = record(2, '2026-12-01T12:00:00Z', 'newer');
    await store.commitStores(TENANT, [newer]);
    // Act
    const outcome = await store.commitStores(TENANT, [older]);
    // Assert
    expect(outcome).toEqual({ committed: 0, stale: [7] });
    expect((await store.loadStores(TENANT)).get(7)).toEqual(newer);
  });

  it('accepts a higher sequence, and the same sequence observed later (a quiet update)', async () => {
    const store = create();
    await store.commitStores(TENANT, [record(2, '2026-12-01T12:00:00Z')]);
    expect(await store.commitStores(TENANT, [record(2, '2026-12-01T12:01:00Z', 'renamed')])).toEqual({
      committed: 1,
      stale: [],
    });
    expect(await store.commitStores(TENANT, [record(3, '2026-12-01T12:02:00Z')])).toEqual({
      committed: 1,
      stale: [],
    });
    expect((await store.loadStores(TENANT)).get(7)?.sequence).toBe(3);
  });

  it('lets only the holder renew its lease, and not once another poll took it over', async () => {
    const store = create();
    expect(await store.tryAcquireLease(TENANT, 'poll-a', NOW, 60_000)).toBe(true);
    expect(await store.renewLease(TENANT, 'poll-a', new Date(NOW.getTime() + 30_000), 60_000)).toBe(true);
    // Renewed: still held 80 s after it was taken (a 60 s lease without the renewal would be free).
    expect(await store.tryAcquireLease(TENANT, 'poll-b', new Date(NOW.getTime() + 80_000), 60_000)).toBe(
      false,
    );
    expect(await store.renewLease(TENANT, 'poll-b', NOW, 60_000)).toBe(false);
    // Expired: poll-b takes it, and poll-a can no longer renew it back.
    expect(await store.tryAcquireLease(TENANT, 'poll-b', new Date(NOW.getTime() + 91_000), 60_000)).toBe(
      true,
    );
    expect(await store.renewLease(TENANT, 'poll-a', new Date(NOW.getTime() + 92_000), 60_000)).toBe(false);
    await store.releaseLease(TENANT, 'poll-b');
    expect(await store.renewLease(TENANT, 'poll-b', new Date(NOW.getTime() + 93_000), 60_000)).toBe(false);
  });
});

describe('the file state store lease', () => {
  /** A state file whose poll lease, unexpired, is held by `owner`. */
  function heldBy(owner: { host: string; pid: number }): FileStateStore {
    const store = newFileStore();
    const lease = { holder: 'poll-gone', expiresAtMs: NOW.getTime() + 60_000, owner };
    writeFileSync(store.path, JSON.stringify({ version: 1, tenants: { [TENANT]: { lease, stores: [] } } }));
    return store;
  }

  /** The pid of a process of this host that has exited. */
  function exitedPid(): number {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    return child.pid;
  }

  it('records its holder: the poll, the host and the process id', async () => {
    const store = newFileStore();
    await store.tryAcquireLease(TENANT, 'poll-a', NOW, 60_000);
    expect(JSON.parse(readFileSync(store.path, 'utf8')).tenants[TENANT].lease).toEqual({
      holder: 'poll-a',
      expiresAtMs: NOW.getTime() + 60_000,
      owner: { host: hostname(), pid: process.pid },
    });
  });

  it('takes over at once a lease whose holder process on this host is gone', async () => {
    const store = heldBy({ host: hostname(), pid: exitedPid() });
    expect(await store.tryAcquireLease(TENANT, 'poll-next', NOW, 60_000)).toBe(true);
    expect(await store.renewLease(TENANT, 'poll-gone', NOW, 60_000)).toBe(false);
  });

  it('waits for a holder process that still runs on this host', async () => {
    // The parent of this test process runs for as long as the test does.
    const store = heldBy({ host: hostname(), pid: process.ppid });
    expect(await store.tryAcquireLease(TENANT, 'poll-next', NOW, 60_000)).toBe(false);
    expect(await store.tryAcquireLease(TENANT, 'poll-next', new Date(NOW.getTime() + 60_000), 60_000)).toBe(
      true,
    );
  });

  it('cannot see the processes of another host: takes its lease over only once it expired', async () => {
    const store = heldBy({ host: `not-${hostname()}`, pid: exitedPid() });
    expect(await store.tryAcquireLease(TENANT, 'poll-next', NOW, 60_000)).toBe(false);
    expect(await store.tryAcquireLease(TENANT, 'poll-next', new Date(NOW.getTime() + 60_000), 60_000)).toBe(
      true,
    );
  });

  it('reads a lease written before leases recorded their process, and waits for its expiry', async () => {
    const store = newFileStore();
    const lease = { holder: 'poll-old', expiresAtMs: NOW.getTime() + 60_000 };
    writeFileSync(store.path, JSON.stringify({ version: 1, tenants: { [TENANT]: { lease, stores: [] } } }));
    expect(await store.tryAcquireLease(TENANT, 'poll-next', NOW, 60_000)).toBe(false);
  });
});
