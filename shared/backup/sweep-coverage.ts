/**
 * How the coverage sweep finds unprotected stores (adapter -> **use case** -> domain).
 *
 * Backup events are best effort, so their absence is not evidence. The sweep Lambda
 * (functions/sweep-coverage.ts) and `dspm-bridge coverage` run `sweepCoverage` over the stores the
 * poller has committed; for each it decides, in order:
 *
 * 1. `loadSweepView` (sweep/sweep-view.ts): the live stores in store id order, their protection
 *    records and the catalog, read once.
 * 2. `judgeWithoutInventory` (sweep/judge-without-inventory.ts): excluded by configuration:
 *    **excluded**; an event showed a backup within the RPO: **protected**; a backup system marked
 *    it unprotected (`LAST_JOB_FAILED`): left to the event path. The rest go on.
 * 3. `askInventory` (sweep/ask-inventory.ts, inventory.ts, inventory-arn.ts): AWS Backup's newest
 *    recovery point of each store's AWS resource, a few at a time, up to `maxLookups`.
 * 4. `judgeInventoryAnswers` (sweep/judge-inventory-answer.ts): a recovery point within the RPO:
 *    **protected**; none, and watched for one RPO: **unprotected** (`RPO_BREACH` when a backup was
 *    ever seen, `NOT_ENROLLED` when none ever was); no evidence either way: **unknown**, never a tag.
 * 5. `tallyJudgements` (sweep/tally.ts): counts per coverage state, and the changes in id order.
 * 6. `rememberRecoveryPoints` and `applyVerdicts` (sweep/apply-verdicts.ts): each change, up to
 *    `maxChanges`, goes through `applyBackupObservation` exactly as an event would
 *    (backup-event-to-tag-write.ts: the tag write, `data-store-protection-changed`, the record).
 * 7. `logShortfalls` (sweep/log-shortfalls.ts): what was deferred or could not be asked.
 *
 * Stores without a record that stay unknown are reported, not written: day one writes nothing for
 * them. Ports and the report's shape: sweep/sweep-report.ts; settings: sweep-settings.ts.
 */
import type { ProtectionSettings } from './apply-protection.ts';
import { applyVerdicts, rememberRecoveryPoints } from './sweep/apply-verdicts.ts';
import { askInventory } from './sweep/ask-inventory.ts';
import { judgeInventoryAnswers } from './sweep/judge-inventory-answer.ts';
import { judgeWithoutInventory } from './sweep/judge-without-inventory.ts';
import { logShortfalls } from './sweep/log-shortfalls.ts';
import type { SweepPorts, SweepReport } from './sweep/sweep-report.ts';
import { loadSweepView } from './sweep/sweep-view.ts';
import { tallyJudgements } from './sweep/tally.ts';
import type { SweepSettings } from './sweep-settings.ts';

export type { SweepDecision, SweepPorts, SweepReport, SweepUnknown } from './sweep/sweep-report.ts';
export type { SweepSettings } from './sweep-settings.ts';

/** Runs one sweep over the stores the poller has committed. */
export async function sweepCoverage(
  ports: SweepPorts,
  settings: ProtectionSettings,
  sweep: SweepSettings,
  sweepId: string,
): Promise<SweepReport> {
  const view = await loadSweepView(ports, sweep);
  const { judged, toAsk } = judgeWithoutInventory(view, sweep);
  const inventory = await askInventory(ports, settings, sweep, view, toAsk);
  const tally = tallyJudgements(view.stores, judgeInventoryAnswers(view, judged, toAsk, inventory));
  const refreshed = await rememberRecoveryPoints(ports, tally.refreshes);
  const applied = await applyVerdicts(ports, settings, sweep, { sweepId, now: view.now }, tally.verdicts);
  logShortfalls(ports, sweep.maxChanges, { inventory, tally, applied, refreshed });
  return {
    sweepId,
    storesChecked: view.stores.length,
    excluded: tally.coverage.excluded,
    decisions: applied.decisions,
    deferred: applied.deferred,
    inventory: inventory.name,
    inventoryLookups: inventory.asked,
    inventoryUnavailable: inventory.unavailable,
    coverage: tally.coverage,
    unknown: tally.unknown,
  };
}
