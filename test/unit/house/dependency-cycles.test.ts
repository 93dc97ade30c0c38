/**
 * The import-cycle check that `npm test` runs (`npm run deps`: dependency-cruiser with
 * .dependency-cruiser.cjs over the project) fails on a circle, type-only ones included. It runs
 * the real tool as the script does, on the fixtures under test/fixtures/dependency-cycle.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPCRUISE = fileURLToPath(
  new URL('../../../node_modules/dependency-cruiser/bin/dependency-cruiser.mjs', import.meta.url),
);
const FIXTURES = 'test/fixtures/dependency-cycle';

/**
 * Runs the cruiser as `npm run deps` does (the project's config, the `err` report, whose exit code
 * is the number of errors) on `paths`.
 */
function cruise(paths: readonly string[]): Promise<{ code: number; output: string }> {
  const args = [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...paths];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** The folders `npm run deps` checks, read from package.json so the test follows the script. */
function checkedFolders(): string[] {
  const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
    scripts: Record<string, string>;
  };
  const deps = scripts.deps ?? '';
  expect(scripts.test).toContain('npm run deps');
  return deps.split(/\s+/).filter((word) => /^[a-z]+$/.test(word) && word !== 'depcruise' && word !== 'err');
}

// Each case spawns the cruiser over the tree: far longer than a unit test's default on a busy machine.
describe('the import-cycle check', { timeout: 120_000 }, () => {
  it('runs in npm test over shared/, functions/, cli/, infra/ and simulator/', () => {
    // The project itself is checked by `npm run deps` in `npm test`, not again here: this test
    // pins that wiring, and the cases below that the same command fails on a circle.
    expect(checkedFolders()).toEqual(
      expect.arrayContaining(['shared', 'functions', 'cli', 'infra', 'simulator']),
    );
  });

  it('reports a circle made of type-only imports alone, and fails', async () => {
    // Act
    const { code, output } = await cruise([`${FIXTURES}/type-only`]);

    // Assert
    expect(code).toBeGreaterThan(0);
    expect(output).toContain('error no-circular:');
    expect(output).toContain(`${FIXTURES}/type-only/checkpoint.ts`);
    expect(output).toContain(`${FIXTURES}/type-only/store.ts`);
  });

  it('reports a ring of value imports through three modules, and fails', async () => {
    // Act
    const { code, output } = await cruise([`${FIXTURES}/runtime`]);

    // Assert
    expect(code).toBeGreaterThan(0);
    expect(output).toContain('error no-circular:');
    for (const module of ['first', 'second', 'third'])
      expect(output).toContain(`${FIXTURES}/runtime/${module}.ts`);
  });
});
