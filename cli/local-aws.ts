/**
 * Starts `moto_server` (moto's local AWS) on a free loopback port, for `demo --aws-local` and the
 * tests. A missing `moto_server` is an error, never a reason to skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A running moto server. */
export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Credentials and region moto accepts; any values work, these make intent obvious. */
export const MOTO_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

/** A port the OS says is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Options of `startMoto`. */
export interface StartMotoOptions {
  /** What moto is needed for, said when it is missing (default: the AWS integration tests). */
  readonly neededFor?: string;
  /** The environment the server starts in (default this process's; its PATH finds moto_server). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts moto and waits until it answers (at most 30 s).
 * @throws Error when `moto_server` is not installed or does not come up.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? process.env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `moto_server is not on PATH: install it (pip install 'moto[server]') to run ${options.neededFor ?? 'the AWS integration tests'}`
            : `moto_server failed to start: ${error.message}`,
        ),
      );
    });
    child.once('exit', (code) => reject(new Error(`moto_server exited with code ${code}: ${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await Promise.race([waitUntilUp(endpoint), spawnFailure]);
  spawnFailure.catch(() => {});
  return {
    endpoint,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitUntilUp(endpoint: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 30 s`);
}
