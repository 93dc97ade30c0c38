/**
 * The package as a user gets it: `npm pack` (which builds the CLI on `prepack`), then
 * `npm install -g --prefix <dir>` of the tarball, offline, then the installed `dspm-bridge`
 * against the simulator. Nothing here runs the sources.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  EVERY_STORE_LISTED,
  listedEntries,
  PROXIED_TENANT,
  type ProxiedTenant,
  startProxiedTenant,
} from '../../helpers/proxied-tenant.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

/** Runs the installed command with this test's Node (24) and returns what it printed. */
async function dspmBridge(bin: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: tmpdir(),
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the packed and installed dspm-bridge', () => {
  let directory: string;
  let bin: string;
  let packedFiles: string[];
  let sim: RunningSimulator;
  let network: ProxiedTenant;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-package-'));
    sim = await startSimulator();
    network = await startProxiedTenant();
    const packed = await run('npm', ['pack', '--json', '--pack-destination', directory], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!report) throw new Error(`npm pack reported nothing: ${packed.stdout}`);
    packedFiles = report.files.map((file) => file.path).sort();
    const prefix = join(directory, 'prefix');
    // Outside the checkout (its .npmrc does not apply) and offline: the tarball must need nothing else.
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        join(directory, report.filename),
      ],
      { cwd: directory, timeout: 60_000 },
    );
    bin = join(prefix, 'bin', 'dspm-bridge');
  });
  afterAll(async () => {
    await sim?.close();
    await network?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('holds only what runs: the bin shim, the bundle, package.json and README', () => {
    expect(packedFiles).toEqual(['README.md', 'bin/dspm-bridge.cjs', 'dist/cli.mjs', 'package.json']);
  });

  it('answers --help and --version', async () => {
    const help = await dspmBridge(bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: dspm-bridge <command> \[options\]/);
    const version = await dspmBridge(bin, ['--version']);
    expect(version).toEqual({ code: 0, stdout: `dspm-bridge ${PACKAGE.version}\n`, stderr: '' });
    expect((await dspmBridge(bin, ['poll', '--version'])).stdout).toBe(`dspm-bridge ${PACKAGE.version}\n`);
  });

  it('polls the simulator in a dry run', async () => {
    const poll = await dspmBridge(bin, ['poll', '--once', '--dry-run', '--no-baseline'], {
      DSPM_TENANT_URL: sim.url,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_API_TOKEN: 'simulator-token',
      DSPM_RATE_LIMIT_RPS: '1000',
    });
    expect(poll.stderr).toMatch(/poll dry run done in [\d.]+ s, listing complete: 3 stores/);
    expect(poll.code).toBe(0);
    const lines = poll.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { DetailType: string; Detail: { dataStore?: { id: number } } });
    // Store 1 with the encryption-off finding it already has (baseline).
    expect(lines.map((line) => line.DetailType)).toEqual([
      'data-store-discovered',
      'data-store-finding-opened',
      'data-store-discovered',
      'data-store-discovered',
      'dspm-poll-completed',
    ]);
    expect(lines.slice(0, 4).map((line) => line.Detail.dataStore?.id)).toEqual([1, 1, 2, 3]);
  });

  it('polls an HTTPS tenant that only a CONNECT proxy reaches, trusted through DSPM_CA_BUNDLE', async () => {
    const poll = await dspmBridge(bin, ['poll', '--once', '--dry-run', '--no-baseline'], network.env);
    expect(poll.stderr).toMatch(/listing complete: 3 stores/);
    expect(poll.code).toBe(0);
    expect(listedEntries(poll.stdout)).toEqual(EVERY_STORE_LISTED);
    expect(network.proxy.opened()).toBeGreaterThan(0);
    expect(new Set(network.proxy.tunnels.map((t) => `${t.target} ${t.status}`))).toEqual(
      new Set([`${PROXIED_TENANT}:443 200`]),
    );
  });

  it('without its bundle (a checkout never built), says how to build it', async () => {
    const bare = join(directory, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'dspm-bridge.cjs'), join(bare, 'bin', 'dspm-bridge.cjs'));
    expect(await dspmBridge(join(bare, 'bin', 'dspm-bridge.cjs'), ['--version'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'dspm-bridge: dist/cli.mjs is missing: run `npm run build:cli` (from a checkout, `npm run cli -- <command>` runs the sources)\n',
    });
  });

  it('on a Node.js older than it supports, says in one line which version it needs', async () => {
    // The shim reads process.versions.node; pretend to be Node 20 without needing one installed.
    const old = await run(process.execPath, [
      '-e',
      `Object.defineProperty(process.versions, 'node', { value: '20.20.2' }); require(${JSON.stringify(bin)});`,
    ]).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(old).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `dspm-bridge needs Node.js ${PACKAGE.engines.node.replace('>=', '')} or later; this is Node.js 20.20.2\n`,
    });
  });
});
