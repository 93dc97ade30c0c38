/**
 * Builds the installed CLI: `cli/bundle-entry.ts` and everything it imports, the runtime
 * dependencies included, as one ES module `dist/cli.mjs` that `bin/dspm-bridge.cjs` starts.
 * Run by `npm run build:cli` and on `prepack`, so `npm pack` never ships a stale build.
 *
 * Bundled rather than installed from `dependencies`: `npm install -g` then needs no registry, no
 * Lambda-only packages (Powertools, middy) land on an operator's machine, and the installed CLI
 * runs the exact versions the lockfile tested.
 */
import { build } from 'esbuild';
import { CLI_NODE_FLOOR } from '../cli/node-floor.ts';
import { replaceIfChanged } from '../infra/function-bundles.ts';

const result = await build({
  entryPoints: ['cli/bundle-entry.ts'],
  outfile: 'dist/cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${CLI_NODE_FLOOR}`,
  minify: true,
  // Error names and class names stay readable in the one-line messages and in a stack trace.
  keepNames: true,
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  legalComments: 'eof',
  metafile: true,
  // Replaced only when changed, whole (two `npm pack` runs at once never see half a file).
  write: false,
  logLevel: 'warning',
});
for (const file of result.outputFiles) replaceIfChanged(file.path, file.contents);
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`built dist/cli.mjs (${(bytes / 1024 / 1024).toFixed(1)} MiB)\n`);
