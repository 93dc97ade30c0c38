/**
 * `dspm-bridge simulator [--port N] [--stores N] [--latency-ms N] [--rate-limit RPS]`: the DSPM
 * simulator on a loopback port until Ctrl-C.
 */
import { runSimulatorCommand } from '#simulator/run.ts';
import type { CliIo } from '../io.ts';

/** Runs the simulator until the stop signal. */
export async function simulatorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const outcome = await runSimulatorCommand(argv, io.env, io.stderr, {
    program: 'dspm-bridge simulator',
    writeHelp: io.stdout,
  });
  if ('exitCode' in outcome) return outcome.exitCode;
  await new Promise<void>((resolve) => {
    if (io.stopSignal.aborted) resolve();
    else io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  await outcome.simulator.close();
  io.stderr('simulator stopped\n');
  return 0;
}
