/**
 * The npm scripts people run from a checkout. Stopping `npm run cli -- simulator` (Ctrl-C, or a
 * SIGTERM to npm) must stop the simulator too: npm forwards the signal to its child, so the script
 * `exec`s node instead of leaving a shell in between that would not pass it on.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function waitFor(pattern: RegExp, output: () => string, child: ChildProcess): Promise<RegExpExecArray> {
  for (let i = 0; i < 300; i++) {
    const match = pattern.exec(output());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited early: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${pattern} within 15 s: ${output()}`);
}

async function refusesConnections(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(url);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** The process ids below `pid` (pgrep), so a test that fails still stops what it started. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

describe('npm scripts', () => {
  it('a SIGTERM to `npm run cli -- simulator` stops the simulator, not just npm', async () => {
    const child = spawn('npm', ['run', 'cli', '--', 'simulator', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let started: number[] = [];
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    try {
      const [, url] = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, () => output, child);
      started = descendants(child.pid ?? -1);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      expect(await refusesConnections(`${url}/api/v2/dspm/data_tags`)).toBe(true);
      expect(output).toContain('simulator stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of started) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone, as it should be
        }
      }
    }
  });

  it('every script that starts a long-running node execs it, so signals reach it', () => {
    const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['start', 'cli', 'simulator']) expect(scripts[name]).toMatch(/^exec node /);
  });
});
