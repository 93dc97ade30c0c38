/**
 * Builds the Lambda bundles the construct deploys: every entry point in `functions/` to
 * `dist/lambda/<name>/index.mjs` with its linked source map. One builder for every use, so the
 * bundles the repository's app synthesizes, the tests run and the package ships are the same
 * bytes: `npm pack` (prepack, scripts/build-functions.ts), the app before each synth (infra/app.ts),
 * and the tests once per run (test/helpers/function-bundles-setup.ts).
 *
 * Build time only: esbuild is a devDependency, and the published construct never imports this
 * file; it reads the bundles this wrote (infra/constructs/bridge-function.ts).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { BUNDLE_DIRECTORY, bundleNameOf } from './constructs/bridge-function.ts';

const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * esbuild's options, as the functions were bundled by NodejsFunction before they were prebuilt:
 * ESM for Node.js 24, minified with names kept, a linked source map without the sources' text,
 * and the AWS SDK left to the Lambda runtime.
 */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  // Error classes name themselves from `new.target.name`, and the poll workflow's retry rules
  // match those names: without this `DspmAuthError` would be whatever two letters the minifier chose.
  keepNames: true,
  // A linked map (read by NODE_OPTIONS=--enable-source-maps) maps stack traces back to the
  // sources by file and line; the sources' text itself stays out of the bundle, which would
  // otherwise ship megabytes of embedded node_modules per function.
  sourcemap: 'linked',
  sourcesContent: false,
  // The Node.js runtime provides the AWS SDK v3.
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** What one build wrote. */
export interface BuiltBundles {
  /** The bundle names (entry file names without `.ts`), sorted. */
  readonly names: readonly string[];
  /** Files whose content changed (or were new), relative to the repository. */
  readonly written: readonly string[];
}

/**
 * Builds every `functions/*.ts` into `dist/lambda/<name>/` of the repository. A file is replaced
 * (written beside, then renamed over) only when its content changed, so a synth or a test reading
 * the bundles while another process rebuilds the same sources never sees a half-written file;
 * bundles of entry points that no longer exist are removed.
 */
export async function buildFunctionBundles(root: string = repositoryRoot): Promise<BuiltBundles> {
  const entries = readdirSync(join(root, 'functions'))
    .filter((name) => name.endsWith('.ts'))
    .sort();
  const names = entries.map(bundleNameOf);
  const written: string[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      const outfile = join(root, BUNDLE_DIRECTORY, bundleNameOf(entry), 'index.mjs');
      const result = await build({
        ...FUNCTION_BUNDLE_OPTIONS,
        absWorkingDir: root,
        entryPoints: [join(root, 'functions', entry)],
        outfile,
        write: false,
      });
      for (const file of result.outputFiles) {
        if (replaceIfChanged(file.path, file.contents)) written.push(file.path.slice(root.length));
      }
    }),
  );
  const bundleRoot = join(root, BUNDLE_DIRECTORY);
  for (const stale of readdirSync(bundleRoot).filter((name) => !names.includes(name))) {
    rmSync(join(bundleRoot, stale), { recursive: true, force: true });
  }
  return { names, written: written.sort() };
}

/**
 * Writes `contents` to `path` unless it already holds them; true when it wrote. The new file is
 * written beside and renamed over the old, so a concurrent reader (a synth, `npm pack`) sees
 * either whole file, never a half-written one. Used by every build of `dist/`.
 */
export function replaceIfChanged(path: string, contents: Uint8Array): boolean {
  try {
    if (Buffer.from(contents).equals(readFileSync(path))) return false;
  } catch {
    // Not there yet: write it.
  }
  mkdirSync(dirname(path), { recursive: true });
  const scratch = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(scratch, contents);
  renameSync(scratch, path);
  return true;
}
