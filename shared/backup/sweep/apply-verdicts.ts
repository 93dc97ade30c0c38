/**
 * Last stages of the sweep: write what it found. A recovery point newer than an already protected
 * record's is remembered; each verdict, up to `maxChanges`, is applied as an observation exactly
 * as a backup event would be (backup-event-to-tag-write.ts), so it moves the tag, publishes
 * `data-store-protection-changed` with its coverage, and commits the record.
 */
import type { ProtectionRecord } from '../../state/protection-records.ts';
import type { ProtectionSettings } from '../apply-protection.ts';
import { applyBackupObservation } from '../backup-event-to-tag-write.ts';
import type { BackupObservation } from '../observation.ts';
import type { SweepSettings } from '../sweep-settings.ts';
import type { Verdict } from './judgement.ts';
import type { SweepDecision, SweepPorts } from './sweep-report.ts';

/** The decisions applied, and how many were left for the next sweep. */
export interface AppliedVerdicts {
  readonly decisions: readonly SweepDecision[];
  readonly deferred: number;
}

/** Writes each refreshed record, one after another; returns how many were written (a dry run writes none). */
export async function rememberRecoveryPoints(
  ports: SweepPorts,
  refreshes: readonly ProtectionRecord[],
): Promise<number> {
  let written = 0;
  for (const record of refreshes) if (await ports.state.putProtection(ports.tenant, record)) written++;
  return written;
}

/** Applies the first `maxChanges` verdicts, one after another. */
export async function applyVerdicts(
  ports: SweepPorts,
  settings: ProtectionSettings,
  sweep: SweepSettings,
  run: { readonly sweepId: string; readonly now: number },
  verdicts: readonly Verdict[],
): Promise<AppliedVerdicts> {
  const decisions: SweepDecision[] = [];
  for (const verdict of verdicts.slice(0, sweep.maxChanges)) {
    const outcome = await applyBackupObservation(ports, settings, observationOf(verdict, run));
    decisions.push({ ...verdict.decision, outcome });
  }
  return { decisions, deferred: Math.max(0, verdicts.length - sweep.maxChanges) };
}

/** The sweep's verdict as an observation, with an event id unique to the sweep and the store. */
function observationOf(
  verdict: Verdict,
  run: { readonly sweepId: string; readonly now: number },
): BackupObservation {
  const { decision } = verdict;
  return {
    eventId: `coverage-sweep:${run.sweepId}:${decision.storeId}`,
    source: 'dspm-bridge.coverage-sweep',
    detailType: 'coverage-sweep',
    system: 'coverage-sweep',
    observedAt: new Date(run.now),
    target: { dataStoreId: decision.storeId },
    protected: verdict.protected,
    reason: verdict.reason,
    successAt: verdict.successAt,
    coverage: { state: decision.to, reason: decision.reason, evidence: decision.evidence },
  };
}
