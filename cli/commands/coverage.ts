/**
 * `dspm-bridge coverage [--dry-run] [--state FILE] [--events FILE] [--json]`: the coverage sweep. Stores the
 * poller knows with no successful backup within `BACKUP_RPO_HOURS` get the `Unprotected` tag.
 * `--dry-run` lists what would change and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { sweepCoverage } from '#shared/backup/sweep-coverage.ts';
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

Events go to the EventBridge bus EVENT_BUS_NAME; without it, as NDJSON lines on stdout or
--events FILE, written before the state is committed.`;

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
  const { sweep } = runtime.taggerConfig;
  const report = await sweepCoverage(ports, settings, sweep, randomUUID());

  for (const decision of report.decisions) {
    const verb = decision.to === 'unprotected' ? 'tag' : 'untag';
    io.stderr(
      `${dryRun ? `would ${verb}` : `${verb}ged`} store ${decision.storeId} (${decision.name}): ${decision.reason}\n`,
    );
  }
  io.stderr(
    `coverage ${dryRun ? 'dry run' : 'sweep'}: ${report.storesChecked} stores checked against an RPO of ${sweep.rpoHours} h, ` +
      `${report.excluded} excluded, ${report.decisions.length} ${dryRun ? 'would change' : 'changed'}, ${report.deferred} left for the next sweep\n`,
  );
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ ...report, decisions: report.decisions.map(({ outcome: _outcome, ...decision }) => decision) })}\n`,
    );
  }
  return EXIT.ok;
}
