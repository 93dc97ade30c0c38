/**
 * Changes a simulated tenant between two polls through the simulator's control API
 * (simulator/control.ts): flips the encryption of every k-th store, and removes some stores, so
 * the next poll has changes to publish and removals to report.
 */

/** What to change. */
export interface TenantChanges {
  /** Connected stores (ids 1..stores). */
  readonly stores: number;
  /** Share of them whose encryption flips (0..1). */
  readonly share: number;
  /** Stores removed, taken from the end of the id range (none by default). */
  readonly remove?: number;
}

/** What was changed. */
export interface ChangedTenant {
  readonly changed: number;
  readonly removed: number;
}

/** Control calls in flight at once: the simulator answers them without a rate limit. */
const CONCURRENCY = 64;

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_sim/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  // Read the body either way: an unread one keeps its socket out of the pool.
  const text = await response.text();
  if (!response.ok)
    throw new Error(`simulator control ${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

async function inBatches(ids: readonly number[], each: (id: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < ids.length; i += CONCURRENCY)
    await Promise.all(ids.slice(i, i + CONCURRENCY).map(each));
}

/**
 * Flips `encryption` on every round(1 / share)-th store from id 1, then removes the last `remove`
 * ids (never one of the flipped). Throws naming the call when the simulator refuses one.
 */
export async function changeTenant(url: string, changes: TenantChanges): Promise<ChangedTenant> {
  const { stores, share, remove = 0 } = changes;
  const every = share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
  const lastKept = stores - remove;
  const flipped: number[] = [];
  for (let id = 1; every > 0 && id <= lastKept; id += every) flipped.push(id);
  await inBatches(flipped, async (id) => {
    const store = (await control(url, 'GET', `stores/${id}`)) as { encryption: string };
    await control(url, 'PATCH', `stores/${id}`, { encryption: store.encryption === 'On' ? 'Off' : 'On' });
  });
  const removed = Array.from({ length: Math.max(0, remove) }, (_, i) => lastKept + 1 + i);
  await inBatches(removed, async (id) => {
    await control(url, 'DELETE', `stores/${id}`);
  });
  return { changed: flipped.length, removed: removed.length };
}
