/**
 * The tagger's wiring for the CLI commands that apply protection (`backup-event`, `coverage`):
 * the Lambdas' wiring, with the state in `--state FILE` unless `STATE_TABLE_NAME` is set and
 * warnings (and with `--verbose`, progress) as lines on stderr.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { createTaggerWiring } from '#shared/backup/tagger-runtime.ts';
import { systemClock } from '#shared/dspm/rate-limiter.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import type { CliIo } from './io.ts';
import { stderrLogger } from './stderr-logger.ts';

/** Builds the runtime, ports and settings a tagger command runs with. */
export function cliTaggerWiring(
  io: CliIo,
  flags: { verbose?: boolean | undefined; state?: string | undefined; dryRun: boolean },
) {
  return createTaggerWiring(io.env, {
    aws: createAwsClients(),
    logger: stderrLogger(io.stderr, flags.verbose ?? false),
    clock: systemClock,
    dryRun: flags.dryRun,
    stateFile: flags.state ?? DEFAULT_STATE_FILE,
  });
}
