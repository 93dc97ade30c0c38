/**
 * `dspm-bridge poll --once [--dry-run] [--state FILE] [--no-baseline] [--json]` and
 * `dspm-bridge poll --interval 15m`: the Lambda's use case, run from a terminal.
 *
 * `--dry-run` writes each entry it would publish as one JSON line on stdout and publishes and
 * commits nothing. Otherwise events go to `EVENT_BUS_NAME`, state to `STATE_TABLE_NAME` or the
 * state file. Progress and the summary go to stderr; `--json` puts the summary on stdout.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { systemClock } from '#shared/dspm/rate-limiter.ts';
import type { PollCompletedDetail } from '#shared/events/contract.ts';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import { pollDataStores } from '#shared/poll/poll-data-stores.ts';
import { createPollerRuntime, requireSink } from '#shared/poll/poller-runtime.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { parseDuration } from '../duration.ts';
import { parseFlags } from '../flags.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';
import { progressBar } from '../progress.ts';
import { stderrLogger } from '../stderr-logger.ts';

const OPTIONS = {
  once: { type: 'boolean' },
  interval: { type: 'string' },
  'dry-run': { type: 'boolean' },
  state: { type: 'string' },
  'no-baseline': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** Usage of `poll`. */
export const POLL_USAGE = `usage: dspm-bridge poll --once [--dry-run] [--state FILE] [--no-baseline] [--json] [--verbose]
       dspm-bridge poll [--interval 15m] [--state FILE] [--verbose]

  --once         poll once and exit
  --interval D   keep polling every D (90s, 15m, 1h; default 15m) until Ctrl-C
  --dry-run      print each event as one JSON line on stdout; publish and commit nothing
  --state FILE   local state file (default ${DEFAULT_STATE_FILE}; ignored when STATE_TABLE_NAME is set)
  --no-baseline  on the first poll, emit data-store-discovered for every store instead of a silent baseline
  --json         print the poll summary as JSON on stdout
  --verbose      more progress on stderr`;

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
  const logger = stderrLogger(io.stderr, values.verbose ?? false);
  const runtime = createPollerRuntime(io.env, {
    aws: createAwsClients(),
    logger,
    stateFile: values.state ?? DEFAULT_STATE_FILE,
  });
  if (runtime.pollerConfig.stateTableName && values.state !== undefined) {
    io.stderr(`note: STATE_TABLE_NAME is set, so --state ${values.state} is ignored\n`);
  }
  const dryRun = values['dry-run'] ?? false;
  const sink = dryRun ? new NdjsonSink((line) => io.stdout(`${line}\n`)) : requireSink(runtime);
  const settings = {
    ...runtime.pollerConfig.settings,
    dryRun,
    emitBaselineEvents: values['no-baseline'] ?? runtime.pollerConfig.settings.emitBaselineEvents,
  };
  const tenant = runtime.dspmConfig.tenant.host;

  const pollOnce = async (): Promise<boolean> => {
    io.stderr(`polling ${tenant}${dryRun ? ' (dry run: nothing is published or committed)' : ''}...\n`);
    const progress = progressBar(io.stderr, io.stderrIsTerminal ?? false);
    const outcome = await pollDataStores(
      {
        dspm: runtime.dspm,
        state: runtime.state,
        sink,
        clock: systemClock,
        logger,
        tenant,
        onListingProgress: progress.onProgress,
        signal: io.stopSignal,
      },
      settings,
    );
    progress.done();
    if (outcome.status === 'skipped') {
      io.stderr('another poll of this tenant is running (its lease is held); skipped\n');
      return true;
    }
    io.stderr(`${describeSummary(outcome.summary, dryRun)}\n`);
    if (values.json) io.stdout(`${JSON.stringify(outcome.summary)}\n`);
    if (outcome.error) {
      io.stderr(`error: ${outcome.error.message}\n`);
      return false;
    }
    return true;
  };

  if (values.once) {
    const ok = await pollOnce();
    return io.stopSignal.aborted ? INTERRUPTED_EXIT_CODE : ok ? EXIT.ok : EXIT.failure;
  }
  io.stderr(`polling every ${values.interval ?? '15m'}; Ctrl-C stops\n`);
  while (!io.stopSignal.aborted) {
    await pollOnce();
    await sleepUnlessStopped(intervalMs, io.stopSignal);
  }
  return EXIT.ok;
}

/** One line a person reads: what the poll saw and did. */
export function describeSummary(summary: PollCompletedDetail, dryRun = false): string {
  const { stores, events, dspm } = summary;
  const kind = `${summary.baseline ? 'baseline poll' : 'poll'} ${dryRun ? 'dry run done' : 'completed'}`;
  const completeness = summary.complete
    ? 'complete'
    : `INCOMPLETE (${summary.incompleteReason}); no removals reported`;
  return (
    `${kind} in ${(summary.durationMs / 1000).toFixed(1)} s, listing ${completeness}: ${stores.seen} stores, ` +
    `${stores.changed} changed, ${stores.discovered} discovered, ${stores.removed} removed, ${stores.unchanged} unchanged; ` +
    `${events.published} events ${dryRun ? 'printed' : 'published'}, ${events.failed} failed, ${stores.uncommitted} uncommitted; ` +
    `${dspm.requests} DSPM requests, ${dspm.retries} retries, ${dspm.throttled} throttled`
  );
}

function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
