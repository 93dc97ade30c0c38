import { readFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_FLOOR } from '../../../cli/node-floor.ts';

const root = new URL('../../../', import.meta.url);
const shim = readFileSync(new URL('bin/dspm-bridge.cjs', root), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

describe('the oldest Node.js the installed CLI supports', () => {
  it('is the same in package.json engines, the bin shim and the build target', () => {
    expect(packageJson.engines.node).toBe(`>=${CLI_NODE_FLOOR}`);
    expect(shim).toContain(`var NEEDED = '${CLI_NODE_FLOOR}';`);
  });

  it('is checked by a shim any old Node.js can parse (ES5 syntax only)', async () => {
    // esbuild refuses to lower let/const, arrows, classes, template literals... to ES5: any of them fails this.
    await expect(transform(shim, { loader: 'js', target: 'es5', format: 'cjs' })).resolves.toBeDefined();
    await expect(transform('const x = 1;', { loader: 'js', target: 'es5' })).rejects.toThrow(/es5/);
  });
});
