/**
 * Runs a benchmark's state backend in its own process (bench/lib/state-server-main.ts), so the
 * poller being measured holds none of the committed state.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A state child process. */
export interface StateProcess {
  /** What `RemoteStateStore` takes. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** How long the state process may take to print its URL. */
const START_TIMEOUT_MS = 30_000;

/** Starts a state process and waits for its URL. Throws when it exits or is silent for 30 s. */
export async function startStateProcess(nodeFlags: readonly string[] = []): Promise<StateProcess> {
  const child = spawn(process.execPath, [...nodeFlags, 'bench/lib/state-server-main.ts'], {
    // stdin is a pipe the child watches: when this process dies, it closes and the child stops.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('state process printed no URL within 30 s')),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`state process exited with code ${code} before it printed its URL`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  lines.close();
  return {
    url,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
