/**
 * `dspm-bridge backup-event FILE|- [--dry-run] [--state FILE] [--events FILE] [--json]`: apply one
 * EventBridge-shaped backup event exactly as the tagger Lambda does. With `--dry-run` it reports
 * what would change and writes nothing (the `data-store-protection-changed` event it would
 * publish goes to stdout as one JSON line).
 */
import { readFileSync } from 'node:fs';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { toWireEntry } from '#shared/events/sink.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';
import { cliTaggerWiring } from '../tagger-wiring.ts';

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  state: { type: 'string' },
  events: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** Usage of `backup-event`. */
export const BACKUP_EVENT_USAGE = `usage: dspm-bridge backup-event FILE|- [--dry-run] [--state FILE] [--events FILE] [--json] [--verbose]

  FILE           an EventBridge event (AWS Backup's, or backup-protection-changed); - reads stdin.
                 A file that is missing, empty or not such an event exits 1
  --dry-run      say what would change; write nothing to DSPM, the state or the bus (a tag
                 still to be created shows with id -1)
  --state FILE   local state file (default ${DEFAULT_STATE_FILE}; ignored when STATE_TABLE_NAME is set)
  --events FILE  without EVENT_BUS_NAME, append the data-store-protection-changed events to FILE, not stdout
  --json         print the outcome as JSON on stdout (events then need EVENT_BUS_NAME or --events)

Events go to the EventBridge bus EVENT_BUS_NAME; without it, as NDJSON lines on stdout or
--events FILE, written before the state is committed.`;

/** Runs `backup-event`. */
export async function backupEventCommand(
  argv: readonly string[],
  io: CliIo,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS, true);
  if (values.help) {
    io.stdout(`${BACKUP_EVENT_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('give one event file, or - to read the event from stdin');
  const [file = '-'] = positionals;
  // One rule for the event's file: a command line that is wrong exits 2 (no file named); an event
  // that cannot be used exits 1, whether the file is missing, unreadable, empty or not an event.
  let body: string;
  try {
    body = file === '-' ? readStdin() : readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`dspm-bridge backup-event: cannot read ${file}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse would trip on unseen.
  body = body.replace(/^\uFEFF/, '');
  if (body.trim() === '') {
    io.stderr(
      `dspm-bridge backup-event: ${file === '-' ? 'stdin' : file} is empty; give one EventBridge event as JSON\n`,
    );
    return EXIT.failure;
  }
  const dryRun = values['dry-run'] ?? false;
  const { runtime, ports, settings } = cliTaggerWiring(io, {
    verbose: values.verbose,
    state: values.state,
    events: values.events,
    json: values.json,
    dryRun,
  });
  const result = await handleBackupEvent(body, ports, {
    ...settings,
    acceptedSources: runtime.taggerConfig.acceptedSources,
  });

  if (result.kind === 'malformed') {
    io.stderr(`dspm-bridge backup-event: the event cannot be used: ${result.reason}\n`);
    return EXIT.failure;
  }
  if (values.json)
    io.stdout(
      `${JSON.stringify(result.kind === 'applied' ? { ...result.outcome, event: undefined } : result)}\n`,
    );
  if (result.kind === 'ignored') {
    io.stderr(`nothing to do: ${result.why}\n`);
    return EXIT.ok;
  }
  const { outcome } = result;
  switch (outcome.status) {
    case 'unknown-resource':
      io.stderr('no DSPM data store matches this event; nothing to do\n');
      break;
    case 'duplicate':
      io.stderr(`event ${outcome.eventId} was applied to store ${outcome.storeId} already; nothing to do\n`);
      break;
    case 'stale':
      io.stderr(
        `store ${outcome.storeId} has a newer backup event applied; this older one changes nothing\n`,
      );
      break;
    case 'applied': {
      const verb = dryRun ? 'would be' : 'is';
      io.stderr(
        `store ${outcome.storeId} ${verb} ${outcome.protection}; Unprotected tag ${outcome.tagAction}${dryRun ? ' (dry run)' : ''}\n`,
      );
      if (dryRun && outcome.event && !values.json)
        io.stdout(`${JSON.stringify(toWireEntry(outcome.event))}\n`);
    }
  }
  return EXIT.ok;
}
