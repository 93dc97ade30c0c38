/**
 * A soak of the poller under faults (loopback only, bounded by a poll count): every poll, the
 * simulated tenant changes at random, DSPM misbehaves at random (5xx, 429 storms, resets,
 * timeouts, malformed and wrong-shaped pages, stores added and removed while listing),
 * EventBridge refuses entries at random, commits are refused as if a conditional write had lost,
 * and the poll may crash after publishing or while committing. After every poll the guarantees are
 * checked; after the faults stop, two clean polls must converge on exactly what DSPM holds.
 *
 * Used by `npm run bench:soak` (hundreds of polls), the short soak in the test suite, and the
 * seeded fast-check property (many small schedules).
 */

import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import type { BusEvent } from '#shared/events/contract.ts';
import type { EventSink, PublishResult } from '#shared/events/sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import type { PollOutcome } from '#shared/poll/poll-ports.ts';
import { sameSnapshot, takeSnapshot } from '#shared/risk/snapshot.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { CommitOutcome, StoreRecord } from '#shared/state/records.ts';
import { type FaultRule, type RunningSimulator, startSimulator } from '#simulator/server.ts';

/** How a soak runs. */
export interface SoakOptions {
  readonly polls: number;
  readonly seed: number;
  readonly stores?: number;
  /** Chance per poll of each kind of trouble (0..1). */
  readonly faultRate?: number;
}

/** What a soak saw. */
export interface SoakReport {
  readonly polls: number;
  readonly completed: number;
  readonly incomplete: number;
  readonly crashed: number;
  readonly faults: {
    dspm: number;
    midListingChanges: number;
    refusedEvents: number;
    refusedCommits: number;
    crashes: number;
  };
  readonly events: { accepted: number; resent: number };
  readonly dspmRetries: number;
  readonly violations: readonly string[];
}

const TENANT = 'soak.goskope.com';
const TOKEN = 'soak-token';

/** A small seeded generator (mulberry32): the same seed replays the same schedule. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A state store whose commits can be refused or can crash. */
class FlakyState extends MemoryStateStore {
  refuseShare = 0;
  crashOnCommit = false;
  refused = 0;
  rand: () => number = Math.random;

  override async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options?: { baseline?: boolean },
  ): Promise<CommitOutcome> {
    if (this.crashOnCommit) {
      this.crashOnCommit = false;
      throw new Error('crash while committing');
    }
    if (options?.baseline || this.refuseShare === 0) return super.commitStores(tenant, records, options);
    // As if a conditional write lost: the record stays as it was, and the store is reported stale.
    const kept = records.filter(() => this.rand() >= this.refuseShare);
    const refused = records.filter((record) => !kept.includes(record)).map((record) => record.storeId);
    this.refused += refused.length;
    const outcome = await super.commitStores(tenant, kept, options);
    return { committed: outcome.committed, stale: [...outcome.stale, ...refused] };
  }
}

/** A sink that refuses entries at random and may crash right after publishing. */
class FlakySink implements EventSink {
  readonly accepted: BusEvent[] = [];
  refuseShare = 0;
  crashAfterPublish = false;
  refused = 0;
  rand: () => number = Math.random;

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    const results: PublishResult[] = events.map((event) => {
      if (event.storeId !== undefined && this.rand() < this.refuseShare) {
        this.refused++;
        return { ok: false, errorCode: 'InternalFailure', errorMessage: 'refused by the soak' };
      }
      this.accepted.push(event);
      return { ok: true };
    });
    if (this.crashAfterPublish && events.some((e) => e.storeId !== undefined)) {
      this.crashAfterPublish = false;
      throw new Error('crash after publishing');
    }
    return results;
  }
}

/** Runs the soak and checks the guarantees after every poll. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const rand = random(options.seed);
  const rate = options.faultRate ?? 0.3;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  let midListing: (() => void) | undefined;
  const sim: RunningSimulator = await startSimulator({
    stores: options.stores ?? 60,
    seed: options.seed,
    tokens: [{ token: TOKEN, access: 'read-write' }],
    onRequest: (entry) => {
      if (entry.route === 'data_stores/connected' && entry.query.offset !== '0' && midListing) {
        const change = midListing;
        midListing = undefined;
        change();
      }
    },
  });
  const violations: string[] = [];
  const state = new FlakyState();
  state.rand = rand;
  const sink = new FlakySink();
  sink.rand = rand;
  const dspm = createDspmClient(
    readDspmConfig({
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
      DSPM_PAGE_SIZE: '20',
      DSPM_TIMEOUT_MS: '300',
    }),
    { retry: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 3 } },
  );
  const ports = { dspm, state, sink, clock: systemClock, logger: silentLogger, tenant: TENANT };
  const counts = { completed: 0, incomplete: 0, crashed: 0, dspm: 0, midListing: 0, crashes: 0, resent: 0 };
  const eventIds = new Map<string, string>();
  let polls = 0;

  const poll = async (label: string): Promise<void> => {
    polls++;
    const before = await state.loadStores(TENANT);
    const acceptedBefore = sink.accepted.length;
    let outcome: PollOutcome | undefined;
    try {
      outcome = await pollDataStores(ports, DEFAULT_POLL_SETTINGS);
    } catch {
      counts.crashed++;
    }
    if (outcome?.status === 'completed') {
      if (outcome.summary.complete) counts.completed++;
      else counts.incomplete++;
    }
    const after = await state.loadStores(TENANT);
    const accepted = sink.accepted.slice(acceptedBefore).filter((e) => e.storeId !== undefined);
    checkPoll(label, before, after, accepted, outcome);
  };

  const checkPoll = (
    label: string,
    before: Map<number, StoreRecord>,
    after: Map<number, StoreRecord>,
    accepted: BusEvent[],
    outcome: PollOutcome | undefined,
  ) => {
    // A finding's sequence counts its own events, not the store's changes: only store events count here.
    const eventFor = (storeId: number, sequence: number) =>
      accepted.some(
        (e) =>
          e.storeId === storeId &&
          !e.detailType.startsWith('data-store-finding-') &&
          (e.detail as { sequence: number }).sequence === sequence,
      );
    for (const [storeId, record] of after) {
      const previous = before.get(storeId);
      // Never backwards.
      if (previous && (record.sequence < previous.sequence || record.observedAt < previous.observedAt)) {
        violations.push(
          `${label}: store ${storeId} moved backwards (${previous.sequence} -> ${record.sequence})`,
        );
      }
      // A committed change had its event accepted (baseline records and quiet updates carry none).
      const changed = record.sequence > 0 && record.sequence !== previous?.sequence;
      if (changed && !eventFor(storeId, record.sequence)) {
        violations.push(
          `${label}: store ${storeId} committed sequence ${record.sequence} without an accepted event`,
        );
      }
    }
    // No removal from an incomplete listing, and none of a store DSPM still holds.
    const removed = accepted.filter((e) => e.detailType === 'data-store-removed');
    if (removed.length > 0 && outcome?.status === 'completed' && !outcome.summary.complete) {
      violations.push(`${label}: data-store-removed after an incomplete listing`);
    }
    for (const event of removed) {
      if (event.storeId !== undefined && sim.tenant.getStore(event.storeId)) {
        violations.push(`${label}: store ${event.storeId} reported removed but DSPM still holds it`);
      }
    }
    // A re-sent transition keeps its id.
    for (const event of accepted) {
      const d = event.detail as {
        eventId: string;
        sequence: number;
        previous?: unknown;
        current?: unknown;
        findingId?: string;
        severity?: unknown;
      };
      // A finding's transition is its finding, type, sequence and severity; a store's, its snapshots.
      const key =
        d.findingId !== undefined
          ? `${d.findingId}|${event.detailType}|${d.sequence}|${String(d.severity)}`
          : `${event.storeId}|${event.detailType}|${d.sequence}|${JSON.stringify(d.previous ?? null)}|${JSON.stringify(d.current ?? null)}`;
      const known = eventIds.get(key);
      if (known === undefined) eventIds.set(key, d.eventId);
      else if (known !== d.eventId)
        violations.push(`${label}: the same transition of store ${event.storeId} got two event ids`);
      else counts.resent++;
    }
  };

  try {
    await poll('baseline');
    for (let i = 1; i < options.polls; i++) {
      // The tenant changes.
      const ids = sim.tenant.listStores().map((s) => s.id);
      for (let k = Math.floor(rand() * 4); k > 0; k--) {
        const id = pick(ids);
        sim.tenant.updateStore(
          id,
          rand() < 0.5
            ? { data_store_risk_rating: Math.floor(rand() * 100) }
            : { encryption: rand() < 0.5 ? 'On' : 'Off' },
        );
      }
      if (rand() < 0.2) sim.tenant.addStore({ name: `soak-${i}` });
      if (rand() < 0.15 && ids.length > 10) sim.tenant.removeStore(pick(ids));
      // DSPM misbehaves.
      if (rand() < rate) {
        const kinds: FaultRule[] = [
          { kind: 'status', status: pick([500, 502, 503]), count: 1 + Math.floor(rand() * 5) },
          { kind: 'rate-limit', retryAfter: 0, count: 1 + Math.floor(rand() * 5) },
          { kind: 'reset', count: 1 + Math.floor(rand() * 2) },
          { kind: 'malformed-json', count: 1 },
          { kind: 'wrong-shape', count: 1 },
          { kind: 'total-mismatch', delta: 2, count: 1 },
          { kind: 'hang', count: 1 },
        ];
        const fault = pick(kinds);
        sim.faults.add({
          ...fault,
          match: { route: 'data_stores/connected', offset: 20 * Math.floor(rand() * 3) },
        } as FaultRule);
        counts.dspm++;
      }
      if (rand() < rate / 2) {
        counts.midListing++;
        midListing =
          rand() < 0.5
            ? () => sim.tenant.addStore({ name: `mid-${i}` })
            : () => {
                const victims = sim.tenant.listStores();
                if (victims.length > 10) sim.tenant.removeStore(pick(victims).id);
              };
      }
      // EventBridge and DynamoDB misbehave, and the process may die.
      sink.refuseShare = rand() < rate ? 0.3 : 0;
      state.refuseShare = rand() < rate / 2 ? 0.3 : 0;
      if (rand() < rate / 3) {
        counts.crashes++;
        if (rand() < 0.5) sink.crashAfterPublish = true;
        else state.crashOnCommit = true;
      }
      await poll(`poll ${i}`);
      sim.faults.clear();
      midListing = undefined;
      sink.crashAfterPublish = false;
      state.crashOnCommit = false;
    }
    // The faults stop: two clean polls must leave the state equal to what DSPM holds.
    sink.refuseShare = 0;
    state.refuseShare = 0;
    await poll('settle 1');
    await poll('settle 2');
    const final = await state.loadStores(TENANT);
    for (const store of sim.tenant.listStores()) {
      const record = final.get(store.id);
      const snapshot = takeSnapshot(store as never, DEFAULT_POLL_SETTINGS.watchedFields);
      if (!record || record.removedAt !== undefined || !sameSnapshot(record.snapshot, snapshot)) {
        violations.push(`settled: store ${store.id} is not committed as DSPM holds it`);
      }
    }
    for (const [storeId, record] of final) {
      if (record.removedAt === undefined && !sim.tenant.getStore(storeId))
        violations.push(`settled: store ${storeId} is gone from DSPM but not removed`);
    }
  } finally {
    await sim.close();
  }
  return {
    polls,
    completed: counts.completed,
    incomplete: counts.incomplete,
    crashed: counts.crashed,
    faults: {
      dspm: counts.dspm,
      midListingChanges: counts.midListing,
      refusedEvents: sink.refused,
      refusedCommits: state.refused,
      crashes: counts.crashes,
    },
    events: { accepted: sink.accepted.length, resent: counts.resent },
    dspmRetries: dspm.stats.retries,
    violations,
  };
}
