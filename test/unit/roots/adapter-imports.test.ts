/**
 * The composition rule (issue 23, item 5): under shared/, only the composition roots in
 * shared/roots/ build concrete adapters. A module of shared/ outside that folder may import an
 * adapter module only for its types (which wire nothing), unless it is an adapter itself; the
 * entry points in functions/ and cli/ call the roots and are not checked here.
 *
 * Adapter modules: the ones that talk to DynamoDB, files, EventBridge, DSPM's HTTP client and
 * the AWS clients by name, and every module of shared/ that imports an AWS SDK client package
 * for its values (found by reading the imports, so a new AWS adapter is covered without a list).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SHARED = join(ROOT, 'shared');
const ROOTS_FOLDER = 'shared/roots/';

/** The adapters named by the rule; the AWS ones are found by their SDK imports. */
const NAMED_ADAPTERS = [
  /^shared\/state\/dynamodb-[a-z-]+\.ts$/,
  /^shared\/state\/file-store\.ts$/,
  /^shared\/events\/eventbridge-sink\.ts$/,
  /^shared\/dspm\/create-client\.ts$/,
  /^shared\/aws\/clients\.ts$/,
];

interface ValueImport {
  /** The imported module: a repository path for a relative or `#shared/` import, else the package. */
  readonly target: string;
  readonly line: number;
}

function sharedFiles(dir = SHARED): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sharedFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/**
 * Import and re-export declarations at the start of a line: `import type`, `import { type A }` and
 * `export type { A } from` bring in types only; anything else (a default, a namespace, a value
 * specifier, a bare `import './x.ts'`) runs the module. Read by pattern: TypeScript 7 ships no
 * JavaScript compiler API to parse with, and biome keeps the import syntax regular.
 */
const DECLARATION = /^(import|export)\s+(type\s+)?(?:([^;']*?)\s+from\s+)?'([^']+)';/gm;

function bringsValues(keyword: string, typeOnly: boolean, clause: string | undefined): boolean {
  if (typeOnly) return false;
  if (clause === undefined) return keyword === 'import';
  const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!named) return true;
  const specifiers = (named[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return specifiers.length === 0 || specifiers.some((s) => !s.startsWith('type '));
}

function valueImportsOf(file: string): ValueImport[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const imports: ValueImport[] = [];
  for (const match of text.matchAll(DECLARATION)) {
    const [, keyword = '', typeOnly, clause, name = ''] = match;
    if (!bringsValues(keyword, typeOnly !== undefined, clause)) continue;
    const target = name.startsWith('.')
      ? relative(ROOT, resolve(dirname(join(ROOT, file)), name))
      : name.startsWith('#shared/')
        ? `shared/${name.slice('#shared/'.length)}`
        : name;
    const line = text.slice(0, match.index).split('\n').length;
    imports.push({ target, line });
  }
  return imports;
}

/** Every `file:line imports adapter` under shared/ that breaks the rule. */
function violations(files: readonly string[], imports: ReadonlyMap<string, ValueImport[]>): string[] {
  const adapters = new Set(
    files.filter(
      (file) =>
        NAMED_ADAPTERS.some((pattern) => pattern.test(file)) ||
        (imports.get(file) ?? []).some((i) => i.target.startsWith('@aws-sdk/client-')),
    ),
  );
  return files.flatMap((file) => {
    if (file.startsWith(ROOTS_FOLDER) || adapters.has(file)) return [];
    return (imports.get(file) ?? [])
      .filter((i) => adapters.has(i.target))
      .map((i) => `${file}:${i.line} imports ${i.target}`);
  });
}

describe('concrete adapters under shared/', () => {
  const files = sharedFiles();
  const imports = new Map(files.map((file) => [file, valueImportsOf(file)]));

  it('are imported for their values only by the composition roots in shared/roots/ and by each other', () => {
    expect(violations(files, imports)).toEqual([]);
  });

  it('include the named adapters and the AWS ones found by their SDK imports', () => {
    // The rule checks something: the roots do import adapters, and a use case that did would be caught.
    const rootImports = files
      .filter((file) => file.startsWith(ROOTS_FOLDER))
      .flatMap((file) => imports.get(file) ?? [])
      .map((i) => i.target);
    expect(rootImports).toEqual(
      expect.arrayContaining([
        'shared/state/dynamodb-store.ts',
        'shared/events/eventbridge-sink.ts',
        'shared/dspm/create-client.ts',
        'shared/events/dead-letter.ts',
      ]),
    );
    const useCase = 'shared/poll/a-use-case.ts';
    const withAdapter = new Map(imports).set(useCase, [{ target: 'shared/events/dead-letter.ts', line: 1 }]);
    expect(violations([...files, useCase], withAdapter)).toEqual([
      `${useCase}:1 imports shared/events/dead-letter.ts`,
    ]);
  });
});
