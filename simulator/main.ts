/**
 * Standalone simulator: `node simulator/main.ts [--port N] [--stores N] [--latency-ms N]
 * [--rate-limit RPS] [--seed N]`. Runs until SIGINT or SIGTERM, then closes cleanly.
 */
import { runSimulatorCommand } from './run.ts';
import type { RunningSimulator } from './server.ts';

const write = (text: string): void => {
  process.stderr.write(text);
};

let simulator: RunningSimulator | undefined;
let stopRequested = false;

function close(running: RunningSimulator): void {
  running.close().then(
    () => {
      process.exitCode = 0;
    },
    (error: unknown) => {
      write(`simulator: failed to stop: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

function stop(signal: NodeJS.Signals): void {
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  write(`simulator: ${signal} received, stopping\n`);
  stopRequested = true;
  if (simulator !== undefined) close(simulator);
}

// Listen before starting: whoever reads the startup line may signal at once, and a signal with no
// listener would kill the process instead of closing it.
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const outcome = await runSimulatorCommand(process.argv.slice(2), process.env, write, {
    writeHelp: (text) => process.stdout.write(text),
  });
  if ('exitCode' in outcome) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.exitCode = outcome.exitCode;
  } else {
    simulator = outcome.simulator;
    if (stopRequested) close(simulator);
  }
} catch (error) {
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  write(`simulator: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
