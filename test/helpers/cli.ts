import type { Environment } from '#shared/config/env.ts';
import { runCli } from '../../cli/main.ts';

/** What a CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with `env` and captures both streams. */
export async function runCliCaptured(
  argv: string[],
  env: Environment,
  stopSignal = new AbortController().signal,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stopSignal,
  });
  return { code, stdout, stderr };
}
