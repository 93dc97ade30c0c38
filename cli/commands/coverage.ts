/**
 * `dspm-bridge coverage [--dry-run] [--state FILE] [--events FILE] [--json]`: the coverage sweep.
 * A store the poller knows gets the `Unprotected` tag only on evidence: AWS Backup holds no
 * recovery point within `BACKUP_RPO_HOURS` and the bridge has watched the store for that long.
 * Stores it cannot tell about are listed as unknown, with why. `--dry-run` lists what would change
 * and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { inventoryFromConfig } from '#shared/aws/backup-inventory.ts';
import { sweepCoverage } from '#shared/backup/sweep-coverage.ts';
import { systemClock } from '#shared/clock.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT } from '../io.ts';
import { cliTaggerWiring } from '../tagger-wiring.ts';

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  state: { type: 'string' },
  events: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** Usage of `coverage`. */
export const COVERAGE_USAGE = `usage: dspm-bridge coverage [--dry-run] [--state FILE] [--events FILE] [--json] [--verbose]

  --dry-run      list what would change; write nothing
  --state FILE   local state file (default ${DEFAULT_STATE_FILE}; ignored when STATE_TABLE_NAME is set)
  --events FILE  without EVENT_BUS_NAME, append the data-store-protection-changed events to FILE, not stdout
  --json         print the decisions as JSON on stdout (events then need EVENT_BUS_NAME or --events)

Before tagging, the sweep asks AWS Backup for the store's recovery points (BACKUP_INVENTORY_*);
a store it cannot ask about, or has watched for less than one RPO, is reported unknown, not tagged.
Events go to the EventBridge bus EVENT_BUS_NAME; without it, as NDJSON lines on stdout or
--events FILE, written before the state is committed.`;

const VERBS = {
  protected: ['would mark protected', 'marked protected'],
  unprotected: ['would tag', 'tagged'],
  unknown: ['would mark unknown', 'marked unknown'],
  excluded: ['would mark excluded', 'marked excluded'],
} as const;

/** Runs `coverage`. */
export async function coverageCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${COVERAGE_USAGE}\n`);
    return EXIT.ok;
  }
  const dryRun = values['dry-run'] ?? false;
  const { runtime, ports, settings } = cliTaggerWiring(io, {
    verbose: values.verbose,
    state: values.state,
    events: values.events,
    json: values.json,
    dryRun,
  });
  const { sweep, inventory: inventoryConfig } = runtime.taggerConfig;
  const inventory = inventoryFromConfig(inventoryConfig, { clock: systemClock });
  const report = await sweepCoverage({ ...ports, inventory }, settings, sweep, randomUUID());

  for (const decision of report.decisions) {
    const verb = VERBS[decision.to][dryRun ? 0 : 1];
    io.stderr(
      `${verb} store ${decision.storeId} (${decision.name}): ${decision.reason} (${decision.evidence})\n`,
    );
  }
  for (const store of report.unknown) {
    io.stderr(`unknown: store ${store.storeId} (${store.name}): ${store.reason}: ${store.detail}\n`);
  }
  const { coverage } = report;
  io.stderr(
    `coverage ${dryRun ? 'dry run' : 'sweep'}: ${report.storesChecked} stores checked against an RPO of ${sweep.rpoHours} h, ` +
      `${report.excluded} excluded, ${report.decisions.length} ${dryRun ? 'would change' : 'changed'}, ${report.deferred} left for the next sweep\n` +
      `coverage: ${coverage.protected} protected, ${coverage.unprotected} unprotected, ${coverage.unknown} unknown, ${coverage.excluded} excluded; ` +
      `inventory ${report.inventory}: ${report.inventoryLookups} asked, ${report.inventoryUnavailable} could not be asked${report.inventoryUnavailable > 0 ? ' (those stores are unknown, not tagged)' : ''}\n`,
  );
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ ...report, decisions: report.decisions.map(({ outcome: _outcome, ...decision }) => decision) })}\n`,
    );
  }
  return EXIT.ok;
}
