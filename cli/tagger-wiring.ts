/**
 * The tagger's wiring for the CLI commands that apply protection (`backup-event`, `coverage`):
 * the Lambdas' wiring, with the state in `--state FILE` unless `STATE_TABLE_NAME` is set, warnings
 * (and with `--verbose`, progress) as lines on stderr, and the `data-store-protection-changed`
 * events on the bus, or without one as NDJSON on stdout or `--events FILE` (`event-output.ts`).
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { systemClock } from '#shared/clock.ts';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { cliProtectionWrites } from '#shared/roots/cli-ports.ts';
import { createTaggerRuntime, protectionWiring } from '#shared/roots/tagger-runtime.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { chooseEventOutput, configuredBus } from './event-output.ts';
import type { CliIo } from './io.ts';
import { stderrLogger } from './stderr-logger.ts';

/** Builds the runtime, ports and settings a tagger command runs with. */
export function cliTaggerWiring(
  io: CliIo,
  flags: {
    verbose?: boolean | undefined;
    state?: string | undefined;
    events?: string | undefined;
    json?: boolean | undefined;
    dryRun: boolean;
  },
) {
  const logger = stderrLogger(io.stderr, flags.verbose ?? false);
  const options = { aws: createAwsClients(), logger, clock: systemClock };
  const runtime = createTaggerRuntime(io.env, { ...options, stateFile: flags.state ?? DEFAULT_STATE_FILE });
  // A dry run publishes nothing (the command prints what it would); anything else needs a destination.
  let sink: EventSink = new NdjsonSink(() => {});
  if (!flags.dryRun) {
    const output = chooseEventOutput(
      { dryRun: false, eventsFile: flags.events, json: flags.json ?? false, bus: configuredBus(runtime) },
      io,
    );
    io.stderr(`${output.notice}\n`);
    sink = output.sink;
  }
  return { runtime, ...protectionWiring(runtime, sink, options, cliProtectionWrites(runtime, flags.dryRun)) };
}
