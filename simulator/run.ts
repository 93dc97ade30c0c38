/**
 * The simulator command: parse flags, start on loopback, tell the person how to point a client at
 * it. Shared by `node simulator/main.ts` and the future `dspm-bridge simulator` command; signals
 * and exit codes stay with the caller.
 */
import { parseSimulatorArgs, simulatorUsage, UsageError } from './args.ts';
import { DEFAULT_TOKEN, type RunningSimulator, startSimulator } from './server.ts';

/** The outcome: a running simulator, or an exit code to leave with now. */
export type CommandOutcome = { simulator: RunningSimulator } | { exitCode: number };

/**
 * The human lines printed once the simulator listens. The token itself is printed only when it is
 * the well-known default; a real one never reaches a terminal or a log.
 */
export function startupMessage(url: string, stores: number, tokenIsDefault: boolean): string {
  const token = tokenIsDefault ? ` DSPM_API_TOKEN=${DEFAULT_TOKEN}` : '';
  const note = tokenIsDefault ? '' : '  (token: the DSPM_API_TOKEN of this environment)\n';
  return (
    `DSPM simulator listening on ${url} (${stores} connected stores); Ctrl-C stops it\n` +
    `  point a client at it: DSPM_TENANT_URL=${url} DSPM_ALLOW_ANY_HOST=true${token}\n${note}`
  );
}

/** How the command was run, and where asked-for help goes. */
export interface SimulatorCommandOptions {
  /** The command as the person typed it, for the usage line (default `node simulator/main.ts`). */
  readonly program?: string;
  /** Where `--help` goes (default `write`); help that was asked for belongs on stdout. */
  readonly writeHelp?: (text: string) => void;
}

/**
 * Runs the command with `argv` (the arguments after the script) and `env`, writing human output to
 * `write`. A usage error prints the reason and the usage and asks for exit code 2.
 */
export async function runSimulatorCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
  options: SimulatorCommandOptions = {},
): Promise<CommandOutcome> {
  const usage = simulatorUsage(options.program);
  let command: ReturnType<typeof parseSimulatorArgs>;
  try {
    command = parseSimulatorArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    write(`simulator: ${error.message}\n${usage}\n`);
    return { exitCode: 2 };
  }
  if (command.kind === 'help') {
    (options.writeHelp ?? write)(`${usage}\n`);
    return { exitCode: 0 };
  }
  const token = env.DSPM_API_TOKEN?.trim() || DEFAULT_TOKEN;
  const simulator = await startSimulator({ ...command.options, tokens: [{ token, access: 'read-write' }] });
  write(
    startupMessage(simulator.url, simulator.tenant.counts().connectedDataStores, token === DEFAULT_TOKEN),
  );
  return { simulator };
}
