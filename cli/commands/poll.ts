/**
 * `dspm-bridge poll --once [--dry-run] [--state FILE] [--no-baseline] [--json]` and
 * `dspm-bridge poll --interval 15m`: the Lambda's use case, run from a terminal.
 *
 * `--dry-run` writes each entry it would publish as one JSON line on stdout (or `--events FILE`)
 * and publishes and commits nothing. Otherwise events go to `EVENT_BUS_NAME`, or without one as
 * the same NDJSON lines to stdout or `--events FILE` (`../event-output.ts`); state goes to
 * `STATE_TABLE_NAME` or the state file. Progress and the summary go to stderr; `--json` puts the
 * summary on stdout. A pass with refused events or an incomplete listing exits 1.
 */

import { createAwsClients } from '#shared/aws/clients.ts';
import { systemClock } from '#shared/clock.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { cliStores } from '#shared/roots/cli-ports.ts';
import { createPollerRuntime } from '#shared/roots/poller-runtime.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { CountingSink } from '../counting-sink.ts';
import { parseDuration } from '../duration.ts';
import { chooseEventOutput, configuredBus } from '../event-output.ts';
import { parseFlags } from '../flags.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';
import { runPollLoop } from '../poll-loop.ts';
import { describeFailure, describeSummary } from '../poll-summary.ts';
import { progressBar } from '../progress.ts';
import { stderrLogger } from '../stderr-logger.ts';

const OPTIONS = {
  once: { type: 'boolean' },
  interval: { type: 'string' },
  'dry-run': { type: 'boolean' },
  state: { type: 'string' },
  events: { type: 'string' },
  'no-baseline': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'checkpoint-every': { type: 'string' },
  tenant: { type: 'string' },
} as const;

/** How often a CLI poll checkpoints by default: a killed run loses at most this much listing. */
const DEFAULT_CHECKPOINT_EVERY = '5m';

/** Usage of `poll`. */
export const POLL_USAGE = `usage: dspm-bridge poll --once [--dry-run] [--state FILE] [--events FILE] [--no-baseline] [--json] [--checkpoint-every D] [--verbose]
       dspm-bridge poll [--interval 15m] [--state FILE] [--events FILE] [--checkpoint-every D] [--verbose]
       (either form takes --tenant HOST when DSPM_TENANTS lists several tenants)

  --once         poll once and exit (1 when events were refused or the listing was incomplete)
  --interval D   keep polling every D (500ms, 90s, 15m, 1h; default 15m) until Ctrl-C; a failed
                 pass is logged and retried sooner, never the end of the loop
  --dry-run      print each event as one JSON line on stdout; publish and commit nothing
  --events FILE  without EVENT_BUS_NAME (or with --dry-run), append the event lines to FILE, not stdout
  --state FILE   local state file (default ${DEFAULT_STATE_FILE}; ignored when STATE_TABLE_NAME is set)
  --no-baseline  on the first poll, emit data-store-discovered for every store instead of a silent baseline
  --json         print the poll summary as JSON on stdout (events then need EVENT_BUS_NAME or --events)
  --tenant HOST  with several tenants in DSPM_TENANTS, the one to poll (default: the first)
  --checkpoint-every D
                 save where the listing stands every D (default ${DEFAULT_CHECKPOINT_EVERY}): a poll that is killed
                 is continued from there by the next one, not started over
  --verbose      more progress on stderr

Events go to the EventBridge bus EVENT_BUS_NAME; without it, as NDJSON lines (the --dry-run shape)
on stdout or --events FILE, and state is committed after they are written.`;

/** Runs `poll`. */
export async function pollCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${POLL_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.once && values.interval !== undefined)
    throw new UsageError('--once and --interval cannot go together');
  if (values['dry-run'] && !values.once) throw new UsageError('--dry-run goes with --once');
  const intervalMs =
    values.interval === undefined ? 15 * 60_000 : parseDuration('--interval', values.interval);
  const checkpointEveryMs = parseDuration(
    '--checkpoint-every',
    values['checkpoint-every'] ?? DEFAULT_CHECKPOINT_EVERY,
  );
  const logger = stderrLogger(io.stderr, values.verbose ?? false);
  const runtime = createPollerRuntime(io.env, {
    aws: createAwsClients(),
    logger,
    stateFile: values.state ?? DEFAULT_STATE_FILE,
  });
  if (runtime.publishing.stateTableName && values.state !== undefined) {
    io.stderr(`note: STATE_TABLE_NAME is set, so --state ${values.state} is ignored\n`);
  }
  const dryRun = values['dry-run'] ?? false;
  const output = chooseEventOutput(
    { dryRun, eventsFile: values.events, json: values.json ?? false, bus: configuredBus(runtime) },
    io,
  );
  const sink = new CountingSink(output.sink);
  io.stderr(`${output.notice}\n`);
  const settings = {
    ...runtime.pollerConfig.settings,
    emitBaselineEvents: values['no-baseline'] ?? runtime.pollerConfig.settings.emitBaselineEvents,
  };
  // One tenant per run: the one named, or the first configured (the only one, usually).
  const chosen = values.tenant === undefined ? runtime : runtime.tenants.get(values.tenant);
  const tenant = chosen.dspmConfig.tenant.host;
  if (values.tenant === undefined && runtime.tenants.hosts.length > 1)
    io.stderr(
      `note: DSPM_TENANTS lists ${runtime.tenants.hosts.length} tenants; polling the first, ${tenant} (--tenant HOST picks another: ${runtime.tenants.hosts.slice(1).join(', ')})\n`,
    );
  // A dry run reads the real state and writes none of it (the sink publishes nothing either).
  const { state, exceptions } = cliStores(runtime, dryRun);

  const pollOnce = async (): Promise<boolean> => {
    sink.reset();
    logger.resetRepeats();
    io.stderr(`polling ${tenant}${dryRun ? ' (dry run: nothing is published or committed)' : ''}...\n`);
    const progress = progressBar(io.stderr, io.stderrIsTerminal ?? false);
    const outcome = await pollDataStores(
      {
        dspm: chosen.dspm,
        state,
        exceptions,
        sink,
        clock: systemClock,
        logger,
        tenant,
        onListingProgress: progress.onProgress,
        signal: io.stopSignal,
      },
      settings,
      { checkpointEveryMs },
    );
    progress.done();
    if (outcome.status === 'skipped') {
      io.stderr('another poll of this tenant is running (its lease is held); skipped\n');
      return true;
    }
    // The use case counts refused store events; the sink also saw whether the summary got through.
    const summaryRefused = sink.refused > outcome.summary.events.failed;
    io.stderr(
      `${describeSummary(outcome.summary, { dryRun, destination: output.destination, summaryRefused })}\n`,
    );
    if (values.json) io.stdout(`${JSON.stringify(outcome.summary)}\n`);
    const problem = describeFailure(outcome.summary, sink, outcome.error);
    if (problem) io.stderr(`dspm-bridge poll: ${problem}\n`);
    return problem === undefined;
  };

  if (values.once) {
    const ok = await pollOnce();
    return io.stopSignal.aborted ? INTERRUPTED_EXIT_CODE : ok ? EXIT.ok : EXIT.failure;
  }
  io.stderr(`polling every ${values.interval ?? '15m'}; Ctrl-C stops\n`);
  await runPollLoop({
    intervalMs,
    stopSignal: io.stopSignal,
    pass: pollOnce,
    log: (line) => io.stderr(`${line}\n`),
  });
  return EXIT.ok;
}
