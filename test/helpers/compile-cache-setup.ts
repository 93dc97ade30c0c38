/**
 * Vitest global setup (the root's: once per run): gives the run one Node.js compile cache
 * (`NODE_COMPILE_CACHE`, https://nodejs.org/api/module.html#module-compile-cache). The test workers
 * inherit it, and the helpers hand it to the processes they start (the CLI, the Lambda bundles, the
 * CDK CLI and the apps it runs), so the hundreds of those processes a run starts compile the same
 * sources once instead of each time. The cache keeps V8's compiled code keyed by the source's
 * content: what runs is unchanged. The directory is new for each run and removed at its end, so
 * every run starts cold, as a clean clone does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // A cache the caller chose (to inspect it, say) is theirs: used, and left where it is.
  if (process.env.NODE_COMPILE_CACHE) return () => {};
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-compile-cache-'));
  process.env.NODE_COMPILE_CACHE = directory;
  return () => {
    delete process.env.NODE_COMPILE_CACHE;
    rmSync(directory, { recursive: true, force: true });
  };
}
