/**
 * The stages every step of a poll shares, after its starting point (starting-point.ts): assessing
 * a page, publishing and committing a plan, the removals of a complete pass, and the summary.
 * `pollChunk` and `finishPoll` compose them; neither holds more than a page.
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { PollCompletedDetail } from '../events/contract.ts';
import { buildPollCompleted } from '../risk/build-events.ts';
import type { ReadonlyIdSet } from '../state/id-set.ts';
import type { HeldLease } from '../state/lease.ts';
import type { StoreRecord, TenantMeta } from '../state/records.ts';
import { readThroughGate } from './gated-read.ts';
import { incompleteReasonOf } from './incomplete-reason.ts';
import type { PollCheckpoint, PollCounts } from './poll-checkpoint.ts';
import type { PollSettings } from './poll-config.ts';
import { newPlan, type PollPlan, planRemovals, planStore, settlePublish } from './poll-plan.ts';
import type { PollPorts } from './poll-ports.ts';
import type { StartingPoint } from './starting-point.ts';

/**
 * Stores assessed, published and committed together: one DSPM page's worth. Memory holds one
 * page of stores, their committed records and events, plus the ids seen so far.
 */
export const STREAM_PAGE = 100;

/** What a poll's committed pages added up to so far (the checkpoint's `totals`, mutable). */
export interface PollTotals {
  counts: PollCounts;
  events: number;
  failed: number;
  /** Stores with a refused event: several events of one store count it once. */
  refusedStores: number;
  stale: number;
}

/** A mutable copy of a checkpoint's totals. */
export function totalsOf(checkpoint: PollCheckpoint): PollTotals {
  const { counts, ...rest } = checkpoint.totals;
  return { ...rest, counts: { ...counts } };
}

/** Reads a page's committed records by id, plans each store's change and hands the plan to `flush`. */
export async function assessPage(
  ports: PollPorts,
  settings: PollSettings,
  start: StartingPoint,
  page: readonly ConnectedDataStore[],
  flush: (plan: PollPlan) => Promise<void>,
): Promise<void> {
  const assessment = {
    watchedFields: settings.watchedFields,
    minimumDeltas: settings.minimumDeltas,
    silentBaseline: start.silentBaseline,
  };
  for (let from = 0; from < page.length; from += STREAM_PAGE) {
    const group = page.slice(from, from + STREAM_PAGE);
    const plan = newPlan();
    const at = new Date(ports.clock.now());
    await readThroughGate(ports, start, group, plan, (store, committed) =>
      planStore(plan, store, committed, at, start.context, assessment),
    );
    await flush(plan);
  }
}

/**
 * Publishes one plan, then commits it. Publish first, commit after: a store whose event was not
 * accepted keeps its old snapshot, so the next poll finds the change again and re-sends it with
 * the same eventId. A step whose lease was taken over does neither: the new holder does both.
 */
export async function publishAndCommit(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  totals: PollTotals,
  lease: HeldLease,
): Promise<void> {
  for (const key of Object.keys(plan.counts) as (keyof PollCounts)[]) totals.counts[key] += plan.counts[key];
  lease.assertHeld();
  const published = await publishPlan(ports, plan, start.context.pollId);
  lease.assertHeld();
  totals.stale += await commitPlan(ports, start, plan, published.accepted);
  totals.events += plan.events.length;
  totals.failed += published.failed;
  totals.refusedStores += published.refusedStores;
}

/**
 * After a complete pass: every committed store the pass did not see is removed, read from the
 * committed state as a stream and published and committed a batch at a time; `visit` sees each
 * batch of that walk (the finish step counts the state on it). Where a full walk of the records
 * lately vouched for the fingerprint index, the candidates come from a walk of the index instead,
 * only their records are read, and `visit` sees nothing.
 * @returns which walk found the candidates.
 */
export async function removeUnseen(
  ports: PollPorts,
  start: StartingPoint,
  seen: ReadonlyIdSet,
  flush: (plan: PollPlan) => Promise<void>,
  visit: (batch: readonly StoreRecord[]) => void = () => {},
): Promise<'records' | 'index'> {
  const removeFrom = async (batch: Iterable<StoreRecord>) => {
    const unseen = new Map<number, StoreRecord>();
    for (const record of batch) if (!seen.has(record.storeId)) unseen.set(record.storeId, record);
    if (unseen.size === 0) return;
    const plan = newPlan();
    planRemovals(plan, unseen, new Date(ports.clock.now()), start.context);
    if (plan.events.length > 0) await flush(plan);
  };
  const { gate } = start;
  if (gate?.indexTrusted(new Date(ports.clock.now()))) {
    for await (const ids of gate.unseenByIndex(seen))
      for (let from = 0; from < ids.length; from += STREAM_PAGE)
        await removeFrom(
          (await ports.state.loadStoresById(ports.tenant, ids.slice(from, from + STREAM_PAGE))).values(),
        );
    return 'index';
  }
  for await (const batch of ports.state.streamStores(ports.tenant)) {
    visit(batch);
    await removeFrom(batch);
  }
  return 'records';
}

/** Publishes the plan's events; the records of the accepted ones are what may be committed. */
async function publishPlan(
  ports: PollPorts,
  plan: PollPlan,
  pollId: string,
): Promise<{ accepted: StoreRecord[]; failed: number; refusedStores: number }> {
  const { sink, logger, tenant } = ports;
  const { toCommit, refused, refusedStores } = settlePublish(plan, await sink.publish(plan.events));
  for (const { storeId, errorCode, errorMessage } of refused) {
    logger.warn('event not accepted; the store stays uncommitted and is retried next poll', {
      tenant,
      pollId,
      storeId,
      errorCode,
      reason: errorMessage,
    });
  }
  return { accepted: toCommit, failed: refused.length, refusedStores };
}

/** Commits the accepted stores and the quiet ones of one plan; returns how many were stale. */
async function commitPlan(
  ports: PollPorts,
  start: StartingPoint,
  plan: PollPlan,
  accepted: readonly StoreRecord[],
): Promise<number> {
  const { state, logger, tenant } = ports;
  const { gate } = start;
  if (start.silentBaseline && plan.quiet.length > 0) {
    await gate?.beforeCommit(plan.quiet);
    await state.commitStores(tenant, plan.quiet, { baseline: true });
    await gate?.afterCommit(plan.quiet);
  }
  const records = start.silentBaseline ? accepted : [...accepted, ...plan.quiet];
  if (records.length === 0) {
    await gate?.afterCommit([]);
    return 0;
  }
  await gate?.beforeCommit(records);
  const outcome = await state.commitStores(tenant, records);
  await gate?.afterCommit(records, outcome.stale);
  if (outcome.stale.length > 0)
    logger.warn('some stores were already committed by a newer poll', {
      tenant,
      pollId: start.context.pollId,
      stores: outcome.stale.slice(0, 20),
    });
  return outcome.stale.length;
}

/** Builds, publishes and logs a finished poll's `dspm-poll-completed` summary. */
export async function summarise(
  ports: PollPorts,
  start: StartingPoint,
  checkpoint: PollCheckpoint,
  totals: PollTotals,
  dspmCalls: PollCheckpoint['dspm'],
): Promise<PollCompletedDetail> {
  const { sink, clock, logger, tenant } = ports;
  const { pollId } = checkpoint;
  const { failed, refusedStores, stale } = totals;
  const complete = checkpoint.listing.state === 'listed' && checkpoint.listing.complete;
  const completedAt = new Date(clock.now());
  const startedAtMs = Date.parse(checkpoint.startedAt);
  const summaryEvent = buildPollCompleted(
    start.context,
    {
      startedAt: checkpoint.startedAt,
      durationMs: Math.max(0, completedAt.getTime() - startedAtMs),
      // A silent baseline: a first poll that announces every store (--no-baseline) is a normal poll.
      baseline: start.silentBaseline,
      complete,
      incompleteReason: incompleteReasonOf(checkpoint.listing),
      stores: { ...totals.counts, uncommitted: refusedStores + stale },
      dspm: {
        requests: dspmCalls.requests,
        pages: checkpoint.listing.pages,
        retries: dspmCalls.retries,
        throttled: dspmCalls.throttled,
      },
      events: { published: totals.events - failed, failed },
    },
    completedAt,
  );
  const [summaryResult] = await sink.publish([summaryEvent]);
  if (summaryResult && !summaryResult.ok) {
    logger.error('the poll summary was not accepted', { tenant, pollId, errorCode: summaryResult.errorCode });
  }
  logger.info('poll completed', {
    tenant,
    pollId,
    baseline: start.baseline,
    complete,
    chunks: checkpoint.chunk,
    ...totals.counts,
    published: totals.events - failed,
    failed,
  });
  return summaryEvent.detail;
}

/** DSPM calls spent since `before`, added to what earlier steps spent. */
export function dspmCallsSince(
  ports: PollPorts,
  before: PollPorts['dspm']['stats'],
  earlier: PollCheckpoint['dspm'],
): PollCheckpoint['dspm'] {
  const now = ports.dspm.stats;
  return {
    requests: earlier.requests + now.requests - before.requests,
    retries: earlier.retries + now.retries - before.retries,
    throttled: earlier.throttled + now.throttled - before.throttled,
  };
}

/**
 * The tenant's facts after a finished poll: when it began, how it ended, and `vouchedAt` when its
 * walk of the records vouched for the fingerprint index.
 */
export function metaAfter(
  meta: TenantMeta | undefined,
  checkpoint: PollCheckpoint,
  totals: PollTotals,
  finishedAt: Date,
  vouchedAt?: Date,
): TenantMeta {
  const incompleteReason = incompleteReasonOf(checkpoint.listing);
  const { seen, changed, discovered, removed } = totals.counts;
  const indexVouchedAt = vouchedAt?.toISOString() ?? meta?.indexVouchedAt;
  return {
    baselineAt: meta?.baselineAt ?? checkpoint.startedAt,
    lastPollId: checkpoint.pollId,
    lastPollAt: checkpoint.startedAt,
    lastPoll: {
      finishedAt: finishedAt.toISOString(),
      complete: incompleteReason === null,
      // No undefined values: the DynamoDB document client refuses them.
      ...(incompleteReason === null ? {} : { incompleteReason }),
      chunks: checkpoint.chunk,
      stores: { seen, changed, discovered, removed },
      events: { published: totals.events - totals.failed, failed: totals.failed },
    },
    ...(indexVouchedAt === undefined ? {} : { indexVouchedAt }),
  };
}
