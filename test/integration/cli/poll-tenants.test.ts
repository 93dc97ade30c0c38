/**
 * `poll --once --tenant HOST` with several tenants in `DSPM_TENANTS`, as a user types it: each
 * simulator takes only its own token, each token sits in its own Secrets Manager secret (moto),
 * and the one named is polled into its own state partition. Without `--tenant` the first one is
 * polled, with a note naming the others; an unknown host is an error naming the configured ones.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createSecret, motoClients, useMotoEnvironment } from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const TOKENS = ['tenant-one-token-3f9a', 'tenant-two-token-8c21'];

describe('poll --once with several tenants', () => {
  const endpoint = inject('motoEndpoint');
  let sims: RunningSimulator[];
  let hosts: string[];
  let directory: string;
  let env: Record<string, string>;
  let restore: () => void;

  beforeAll(async () => {
    restore = useMotoEnvironment(endpoint);
    sims = await Promise.all(
      TOKENS.map((token, index) =>
        startSimulator({ tokens: [{ token, access: 'read-write' }], stores: 5 + index, seed: 40 + index }),
      ),
    );
    hosts = sims.map((sim) => new URL(sim.url).host);
    const { secretsManager } = motoClients(endpoint);
    const secrets = await Promise.all(TOKENS.map((token) => createSecret(secretsManager, token)));
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-tenants-'));
    env = {
      ...process.env,
      DSPM_TENANTS: JSON.stringify(
        sims.map((sim, index) => ({ url: sim.url, tokenSecretId: secrets[index] })),
      ),
      DSPM_ALLOW_ANY_HOST: 'true',
    } as Record<string, string>;
    delete env.EVENT_BUS_NAME;
    delete env.STATE_TABLE_NAME;
  });
  afterAll(async () => {
    restore();
    await Promise.all(sims.map((sim) => sim.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  const poll = (...extra: string[]) => {
    const events = join(directory, `events-${Math.random()}.ndjson`);
    const state = join(directory, 'state.json');
    return runCliCaptured(['poll', '--once', '--state', state, '--events', events, ...extra], env).then(
      (run) => ({
        ...run,
        events: readFileSync(events, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      }),
    );
  };

  it('polls the tenant named, with its own token, into its own partition', async () => {
    const run = await poll('--tenant', hosts[1] as string);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/note: DSPM_TENANTS/);
    const summary = run.events.find((event) => event.DetailType === 'dspm-poll-completed');
    expect(summary?.Detail).toMatchObject({ tenant: hosts[1], complete: true, stores: { seen: 6 } });
    const state = JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8'));
    expect(Object.keys(state.tenants)).toEqual([hosts[1]]);
    for (const token of TOKENS) expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('polls the first tenant without --tenant, and says which others there are', async () => {
    const run = await poll();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `note: DSPM_TENANTS lists 2 tenants; polling the first, ${hosts[0]} (--tenant HOST picks another: ${hosts[1]})`,
    );
    const summary = run.events.find((event) => event.DetailType === 'dspm-poll-completed');
    expect(summary?.Detail).toMatchObject({ tenant: hosts[0], stores: { seen: 5 } });
  });

  it('refuses a tenant that is not configured, naming the ones that are', async () => {
    const run = await runCliCaptured(['poll', '--once', '--tenant', 'other.goskope.com'], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('other.goskope.com');
    for (const host of hosts) expect(run.stderr).toContain(host);
  });
});
