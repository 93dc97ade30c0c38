/**
 * Runs the real CDK CLI the way a user types it (`npx cdk ...` in the repository), with no AWS
 * credentials unless the caller gives some: shared config and credential files point at nothing,
 * the instance metadata service is off, and telemetry and the version check stay quiet so the run
 * is offline.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where cdk.json lives. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one run of a command printed and returned. */
export interface CdkRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The process environment without any AWS setting, plus `extra`. */
export function credentialFreeEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Files that do not exist: the SDK then finds no profile at all.
  const nowhere = join(tmpdir(), `dspm-bridge-no-aws-${process.pid}`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...env,
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    ...extra,
  };
}

/** `npx cdk <args>` in the repository; resolves with the exit code instead of throwing. */
export function runCdk(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CdkRun> {
  return run('npx', ['--no-install', 'cdk', ...args], options);
}

/** `npm <args>` in the repository (e.g. `run cli -- doctor`), with `env`. */
export function runNpm(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CdkRun> {
  return run('npm', args, { env });
}

function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CdkRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: REPOSITORY_ROOT,
        env: options.env ?? credentialFreeEnvironment(),
        // A synth builds the Lambda bundles first (infra/app.ts); on a busy machine that is minutes.
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
