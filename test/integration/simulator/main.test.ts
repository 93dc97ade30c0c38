import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../../simulator/main.ts', import.meta.url));

/** Starts `node simulator/main.ts` with the given flags and token; collects stderr. */
function startMain(args: string[], token?: string): { child: ChildProcess; stderr: () => string } {
  const env = { ...process.env };
  delete env.DSPM_API_TOKEN;
  if (token !== undefined) env.DSPM_API_TOKEN = token;
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return { child, stderr: () => stderr };
}

async function waitForUrl(stderr: () => string, child: ChildProcess): Promise<string> {
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr());
    if (match?.[1]) return match[1];
    if (child.exitCode !== null) throw new Error(`the simulator exited early: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('node simulator/main.ts', () => {
  it('serves a generated tenant, never prints its token, and stops cleanly on SIGTERM', async () => {
    const secret = 'main-test-secret-token';
    const { child, stderr } = startMain(['--port', '0', '--stores', '25', '--seed', '3'], secret);
    const url = await waitForUrl(stderr, child);
    const response = await fetch(`${url}/api/v2/dspm/data_stores/connected?limit=0`, {
      headers: { apikey: secret },
    });
    expect(await response.json()).toEqual({ total: 25, results: [] });
    expect(stderr()).toContain(`DSPM_TENANT_URL=${url} DSPM_ALLOW_ANY_HOST=true`);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr()).not.toContain(secret);
    expect(stderr()).toContain('SIGTERM received, stopping');
  });

  it('prints the default token, which is no secret, and stops on SIGINT', async () => {
    const { child, stderr } = startMain([]);
    const url = await waitForUrl(stderr, child);
    expect(stderr()).toContain(
      `DSPM_TENANT_URL=${url} DSPM_ALLOW_ANY_HOST=true DSPM_API_TOKEN=simulator-token`,
    );
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    expect((await exited)[0]).toBe(0);
  });

  it('prints --help on stdout and exits 0', async () => {
    const child = spawn(process.execPath, [MAIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: node simulator\/main\.ts \[--port N\]/);
    expect(stderr).toBe('');
  });

  it('exits with code 2 and a message on a bad flag', async () => {
    const { child, stderr } = startMain(['--stores', 'many']);
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr()).toContain('--stores must be an integer');
  });
});
