/**
 * Entry of a benchmark's state process: `node bench/lib/state-server-main.ts`. Serves a fresh
 * in-memory state on a free loopback port, writes its URL as one line on stdout, and stops on
 * SIGTERM or SIGINT, or when its parent goes away (stdin closes), so a killed benchmark leaves
 * no state process behind.
 */
import { startStateServer } from './state-server.ts';

const server = await startStateServer();
process.stdout.write(`${server.url}\n`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`state process: failed to stop: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
