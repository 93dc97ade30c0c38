/**
 * The sweep's closing log lines: what it left for the next sweep (the change cap) and what it
 * could not establish (the inventory could not be asked), so an operator sees both without the report.
 */

import type { AppliedVerdicts } from './apply-verdicts.ts';
import type { InventoryAnswers } from './ask-inventory.ts';
import type { SweepPorts } from './sweep-report.ts';
import type { SweepTally } from './tally.ts';

/** Warns of deferred changes and unanswered questions; a debug line counts the lookups. */
export function logShortfalls(
  ports: SweepPorts,
  maxChanges: number,
  found: {
    readonly inventory: InventoryAnswers;
    readonly tally: SweepTally;
    readonly applied: AppliedVerdicts;
    readonly refreshed: number;
  },
): void {
  const { inventory, tally, applied, refreshed } = found;
  if (applied.deferred > 0) {
    ports.logger.warn('coverage sweep hit its change cap; the rest follow next sweep', {
      changes: maxChanges,
      deferred: applied.deferred,
    });
  }
  if (inventory.unavailable > 0) {
    ports.logger.warn(
      'backup inventory could not be asked about some stores; they are unknown and not tagged',
      {
        inventory: ports.inventory.name,
        unavailable: inventory.unavailable,
        example: tally.unknown.find((u) => u.reason === 'INVENTORY_UNAVAILABLE')?.detail,
      },
    );
  }
  ports.logger.debug('coverage sweep inventory', { lookups: inventory.asked, refreshed });
}
