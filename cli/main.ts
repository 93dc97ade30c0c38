/**
 * The `dspm-bridge` command. Human-readable progress goes to stderr, machine output to stdout.
 * Exit codes: 0 success, 1 failure (with a one-line reason), 2 usage error, 130 stopped by Ctrl-C.
 */

import { BridgeError } from '#shared/errors.ts';
import { backupEventCommand } from './commands/backup-event.ts';
import { coverageCommand } from './commands/coverage.ts';
import { demoCommand } from './commands/demo.ts';
import { doctorCommand } from './commands/doctor.ts';
import { exceptionCommand } from './commands/exception.ts';
import { pollCommand } from './commands/poll.ts';
import { simulatorCommand } from './commands/simulator.ts';
import { statusCommand } from './commands/status.ts';
import { testEventCommand } from './commands/test-event.ts';
import { watchInterrupts } from './interrupt.ts';
import { type CliIo, EXIT, UsageError } from './io.ts';
import { VERSION } from './version.ts';

/** Top-level usage. */
export const USAGE = `usage: dspm-bridge <command> [options]

commands:
  poll          poll the DSPM tenant and publish risk-change events (--once, --dry-run, --interval)
  backup-event  apply one backup event to the Unprotected tag, as the tagger does (FILE or -)
  coverage      tag stores with no successful backup within the RPO (--dry-run)
  exception     people's decisions about findings: add, list, show, revoke (audited, always expiring)
  doctor        check the configuration, the tenant, the token's privileges and AWS; say what to fix
  demo          the whole flow against the simulator, in seconds (npm start)
  simulator     run the DSPM tenant simulator on a loopback port
  status        where each tenant stands: last poll, stores, open findings, unprotected stores
  test-event    publish a marked synthetic finding ("test": true) to check rules and targets

dspm-bridge <command> --help shows a command's options; dspm-bridge --version the version.`;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  poll: pollCommand,
  'backup-event': (argv, io) => backupEventCommand(argv, io),
  coverage: coverageCommand,
  doctor: doctorCommand,
  exception: exceptionCommand,
  demo: demoCommand,
  simulator: simulatorCommand,
  status: statusCommand,
  'test-event': testEventCommand,
};

/** Runs the command line `argv` (after the program name) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  // Every command answers --version too: whoever reports a problem can add it to any command line.
  if (argv.includes('--version') || name === '-V') {
    io.stdout(`dspm-bridge ${VERSION}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`dspm-bridge: unknown command "${name}"\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`dspm-bridge ${name}: ${error.message} (see dspm-bridge ${name} --help)\n`);
      return EXIT.usage;
    }
    if (error instanceof BridgeError) {
      io.stderr(`dspm-bridge ${name}: ${error.message}\n`);
      return EXIT.failure;
    }
    io.stderr(`dspm-bridge ${name}: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.failure;
  }
}

/** Runs with the real process: stdout, stderr, environment and Ctrl-C. */
export async function main(): Promise<void> {
  // A reader that stops early (`| head`) closes stdout: that ends the output, not in a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  });
  const interrupts = watchInterrupts((text) => process.stderr.write(text));
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stopSignal: interrupts.signal,
    stderrIsTerminal: process.stderr.isTTY === true,
  });
  process.exitCode = code;
  interrupts.dispose();
}

if (import.meta.main) await main();
