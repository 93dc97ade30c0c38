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
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/cdk';
const TYPES = join(OUT, 'types');
const ENTRY_TYPES = join(TYPES, 'infra', 'cdk.d.ts');
/** What the published declarations may import besides themselves. */
const PEERS = /^(aws-cdk-lib|constructs)(\/|$)/;

rmSync(OUT, { recursive: true, force: true });
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
  logLevel: 'warning',
});
const imported = Object.values(result.metafile.outputs).flatMap((output) =>
  output.imports.filter((entry) => entry.external).map((entry) => entry.path),
);
const unexpected = imported.filter((path) => !PEERS.test(path) && !path.startsWith('node:'));
if (unexpected.length > 0) {
  throw new Error(`dist/cdk/index.mjs imports more than its peers: ${[...new Set(unexpected)].join(', ')}`);
}

execFileSync('tsc', ['-p', 'tsconfig.cdk.json'], { stdio: 'inherit' });
const kept = new Set<string>();
const pending = [resolve(ENTRY_TYPES)];
while (pending.length > 0) {
  const file = pending.pop() as string;
  if (kept.has(file)) continue;
  kept.add(file);
  const text = readFileSync(file, 'utf8').replace(
    /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
    (_match, lead: string, quote: string, path: string) => `${lead}${quote}${path}.js${quote}`,
  );
  writeFileSync(file, text);
  for (const [, specifier] of text.matchAll(/(?:from\s+|import\()['"]([^'"]+)['"]/g)) {
    if (!specifier) continue;
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts'));
      if (!existsSync(target))
        throw new Error(`${relative('.', file)} imports ${specifier}, which was not emitted`);
      pending.push(target);
    } else if (!PEERS.test(specifier)) {
      throw new Error(
        `${relative('.', file)} imports ${specifier}: the public declarations may import aws-cdk-lib and constructs only`,
      );
    }
  }
}
for (const file of walk(resolve(TYPES))) if (!kept.has(file)) rmSync(file);
removeEmptyDirectories(resolve(TYPES));

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(
  `built ${OUT}/index.mjs (${(bytes / 1024).toFixed(0)} KiB) and ${kept.size} declaration files\n`,
);

function walk(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function removeEmptyDirectories(directory: string): void {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) removeEmptyDirectories(path);
  }
  if (readdirSync(directory).length === 0) rmSync(directory, { recursive: true });
}
