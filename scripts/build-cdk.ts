/**
 * Builds the construct library, `dspm-bridge/cdk`: infra/cdk.ts and what it imports (the schema
 * of infra/config.ts, zod and the shared modules included) as one ES module, dist/cdk/index.mjs,
 * with aws-cdk-lib and constructs left as imports of the consumer's copies (peer dependencies:
 * one copy of each in an app, or `instanceof Construct` fails), and its declarations under
 * dist/cdk/types. Run by `npm run build:cdk` and on `prepack`.
 *
 * The declarations come from tsc; their relative imports are written `.ts` as in the sources
 * (Node runs them as they are), so they are rewritten to `.js` here, which a consumer's
 * TypeScript resolves to the `.d.ts` beside; only the files the entry's declarations reach are
 * kept, and a build whose public declarations reach past aws-cdk-lib and constructs fails.
 *
 * Everything is built in a scratch directory and copied into dist/cdk file by file, each only
 * when it changed (replaceIfChanged), so two `npm pack` runs at once (two tests) never see the
 * other's half-built output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { replaceIfChanged } from '../infra/function-bundles.ts';

const OUT = resolve('dist/cdk');
/** What the published declarations may import besides themselves. */
const PEERS = /^(aws-cdk-lib|constructs)(\/|$)/;

const result = await build({
  entryPoints: ['infra/cdk.ts'],
  outfile: join(OUT, 'index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Peer dependencies, resolved from the consumer's app.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  // Readable for whoever steps into it; names kept for errors (ConfigError) and constructs.
  minify: false,
  keepNames: true,
  legalComments: 'eof',
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const imported = Object.values(result.metafile.outputs).flatMap((output) =>
  output.imports.filter((entry) => entry.external).map((entry) => entry.path),
);
const unexpected = imported.filter((path) => !PEERS.test(path) && !path.startsWith('node:'));
if (unexpected.length > 0) {
  throw new Error(`dist/cdk/index.mjs imports more than its peers: ${[...new Set(unexpected)].join(', ')}`);
}

// A fresh checkout has no dist/ yet when this runs on its own (`npm run build:cdk`).
mkdirSync(resolve('dist'), { recursive: true });
const scratch = mkdtempSync(join(resolve('dist'), '.cdk-types-'));
const wanted = new Map<string, string>();
for (const file of result.outputFiles) wanted.set(file.path, file.text);
try {
  execFileSync('tsc', ['-p', 'tsconfig.cdk.json', '--outDir', scratch], { stdio: 'inherit' });
  const pending = [join(scratch, 'infra', 'cdk.d.ts')];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const target = join(OUT, 'types', relative(scratch, file));
    if (wanted.has(target)) continue;
    const text = readFileSync(file, 'utf8').replace(
      /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
      (_match, lead: string, quote: string, path: string) => `${lead}${quote}${path}.js${quote}`,
    );
    wanted.set(target, text);
    for (const [, specifier] of text.matchAll(/(?:from\s+|import\()['"]([^'"]+)['"]/g)) {
      if (!specifier) continue;
      if (specifier.startsWith('.')) {
        const next = resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts'));
        if (!existsSync(next))
          throw new Error(`${relative(scratch, file)} imports ${specifier}, which tsc did not emit`);
        pending.push(next);
      } else if (!PEERS.test(specifier)) {
        throw new Error(
          `${relative(scratch, file)} imports ${specifier}: the public declarations may import aws-cdk-lib and constructs only`,
        );
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
let written = 0;
for (const [path, text] of wanted) if (replaceIfChanged(path, Buffer.from(text))) written++;
for (const file of existsSync(OUT) ? walk(OUT) : []) if (!wanted.has(file)) rmSync(file);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(
  `built dist/cdk/index.mjs (${(bytes / 1024).toFixed(0)} KiB) and ${wanted.size - 1} declaration files (${written} changed)\n`,
);

function walk(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
