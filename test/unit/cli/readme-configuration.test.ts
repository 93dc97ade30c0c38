/**
 * The README's configuration table lists every environment variable the code reads: found by
 * reading the sources for the env readers (`optionalString(env, 'X')`, `booleanVar`, `numberVar`,
 * `env.X`, `process.env.X`), so a new variable without a README line fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READERS = [
  /(?:optionalString|booleanVar|numberVar)\(\s*\w+(?:\.env)?,\s*'([A-Z][A-Z0-9_]+)'/g,
  /\benv\.([A-Z][A-Z0-9_]+)\b/g,
  /process\.env\.([A-Z][A-Z0-9_]+)\b/g,
];
/** Read by a library on the code's behalf, or named where a reader cannot be seen. */
const READ_BY_LIBRARIES = ['NO_PROXY', 'DSPM_API_TOKEN'];

function sources(directory: string): string[] {
  return readdirSync(join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => readFileSync(join(ROOT, directory, path), 'utf8'));
}

describe('README configuration table', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Deploy'));

  it('names every variable the bridge and the CLI read', () => {
    const names = new Set(READ_BY_LIBRARIES);
    for (const text of ['shared', 'cli', 'functions'].flatMap(sources)) {
      for (const reader of READERS) for (const match of text.matchAll(reader)) names.add(match[1] as string);
    }
    // The readers are found at all: a broken pattern must not pass by finding nothing.
    expect(names).toContain('EVENT_BUS_NAME');
    expect(names).toContain('BACKUP_EVENT_SOURCES');
    expect(names).toContain('AWS_ENDPOINT_URL');
    const missing = [...names].filter((name) => !section.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
