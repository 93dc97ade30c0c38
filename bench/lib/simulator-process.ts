/**
 * Runs the DSPM simulator in its own process for a benchmark, so the server's work does not
 * share an event loop with the client being measured.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A simulator child process. */
export interface SimulatorProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `simulator/main.ts` with `args` on a free loopback port and waits until it answers. */
export async function startSimulatorProcess(args: string[], token: string): Promise<SimulatorProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['simulator/main.ts', '--port', String(port), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DSPM_API_TOKEN: token },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`simulator exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/_sim/state`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('simulator did not come up within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
