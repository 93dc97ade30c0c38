/**
 * Fourth stage of the sweep: judge each store the inventory was asked about.
 * - a usable recovery point within the RPO: **protected**;
 * - none within the RPO, and the bridge has watched the store for one RPO: **unprotected**,
 *   `RPO_BREACH` when a backup was ever seen, `NOT_ENROLLED` when none ever was;
 * - anything else (watched for less than one RPO, the inventory could not be asked, no AWS
 *   resource to ask about): **unknown**, and never a tag.
 * A store already marked unprotected stays so until there is evidence of protection.
 */
import { coverageOf, type ProtectionRecord } from '../../state/protection-records.ts';
import type { StoreRecord } from '../../state/records.ts';
import type { InventoryAnswer } from '../inventory.ts';
import { answerFor, type InventoryAnswers, NO_ARN } from './ask-inventory.ts';
import { type Judgement, verdictOf } from './judgement.ts';
import type { SweepUnknown } from './sweep-report.ts';
import { type SweepView, watchedFor } from './sweep-view.ts';

/** Adds the judgements of the stores asked about to `judged`. */
export function judgeInventoryAnswers(
  view: SweepView,
  judged: Map<number, Judgement>,
  asked: readonly StoreRecord[],
  inventory: InventoryAnswers,
): Map<number, Judgement> {
  for (const record of asked) {
    const answer = answerFor(inventory, record.storeId);
    judged.set(record.storeId, judgeAnswer(view, record, view.protections.get(record.storeId), answer));
  }
  return judged;
}

function judgeAnswer(
  view: SweepView,
  record: StoreRecord,
  protection: ProtectionRecord | undefined,
  answer: InventoryAnswer,
): Judgement {
  const lastPoint = answer.kind === 'answered' ? answer.lastRecoveryPointAt : undefined;
  if (lastPoint && view.now - lastPoint.getTime() <= view.rpoMs)
    return protectedBy(record, protection, lastPoint);
  if (answer.kind === 'answered' && watchedFor(view, record) >= view.rpoMs) {
    if (protection?.status === 'unprotected') return { counted: 'unprotected' };
    const everBackedUp = lastPoint !== undefined || protection?.lastSuccessAt !== undefined;
    const reason = everBackedUp ? 'RPO_BREACH' : 'NOT_ENROLLED';
    const coverage = { state: 'unprotected', reason, evidence: 'backup-inventory' } as const;
    return { counted: 'unprotected', verdict: verdictOf(record, coverage, false, reason, lastPoint) };
  }
  // No evidence either way: never a tag.
  if (protection?.status === 'unprotected') return { counted: 'unprotected' };
  const unknown = unknownOf(view, record, answer);
  const coverage = { state: 'unknown', reason: unknown.reason, evidence: 'none' } as const;
  const verdict =
    protection && coverageOf(protection).state !== 'unknown'
      ? verdictOf(record, coverage, true, protection.reason)
      : undefined;
  return { counted: 'unknown', unknown, verdict };
}

/** A recovery point within the RPO: the store is protected, and its record says so or learns it. */
function protectedBy(
  record: StoreRecord,
  protection: ProtectionRecord | undefined,
  lastPoint: Date,
): Judgement {
  if (!protection || protection.status === 'unprotected' || coverageOf(protection).state !== 'protected') {
    const coverage = {
      state: 'protected',
      reason: 'BACKUP_SUCCEEDED',
      evidence: 'backup-inventory',
    } as const;
    return {
      counted: 'protected',
      verdict: verdictOf(record, coverage, true, 'BACKUP_SUCCEEDED', lastPoint),
    };
  }
  // Already protected: remember the recovery point, so the next sweeps need not ask again.
  const refresh = { ...protection, lastSuccessAt: lastPoint.toISOString(), version: protection.version + 1 };
  return { counted: 'protected', refresh };
}

function unknownOf(view: SweepView, record: StoreRecord, answer: InventoryAnswer): SweepUnknown {
  const base = { storeId: record.storeId, name: record.identity.name };
  if (answer.kind === 'unavailable') {
    return {
      ...base,
      reason: answer.why === NO_ARN ? 'NO_RESOURCE_ARN' : 'INVENTORY_UNAVAILABLE',
      detail: answer.why,
    };
  }
  const watchedSince = Date.parse(record.firstSeenAt ?? record.observedAt);
  return {
    ...base,
    reason: 'WATCHING',
    detail: `no recovery point yet; watched since ${new Date(watchedSince).toISOString()}, one RPO ends ${new Date(watchedSince + view.rpoMs).toISOString()}`,
  };
}
