/**
 * The tagger's wiring for the CLI commands that apply protection (`backup-event`, `coverage`):
 * the same runtime as the Lambdas, the state in `--state FILE` unless `STATE_TABLE_NAME` is set,
 * and in a dry run a sink that publishes nothing.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { createTaggerRuntime, protectionWiring } from '#shared/backup/tagger-runtime.ts';
import { systemClock } from '#shared/dspm/rate-limiter.ts';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import { requireSink } from '#shared/poll/poller-runtime.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import type { CliIo } from './io.ts';
import { stderrLogger } from './stderr-logger.ts';

/** Builds the runtime, ports and settings a tagger command runs with. */
export function cliTaggerWiring(
  io: CliIo,
  flags: { verbose?: boolean | undefined; state?: string | undefined; dryRun: boolean },
) {
  const logger = stderrLogger(io.stderr, flags.verbose ?? false);
  const runtime = createTaggerRuntime(io.env, {
    aws: createAwsClients(),
    logger,
    clock: systemClock,
    stateFile: flags.state ?? DEFAULT_STATE_FILE,
  });
  const sink = flags.dryRun ? new NdjsonSink(() => {}) : requireSink(runtime);
  return {
    runtime,
    ...protectionWiring(runtime, sink, { clock: systemClock, logger, dryRun: flags.dryRun }),
  };
}
