/**
 * Exceptions through the CLI against the simulator, state in a file and events as NDJSON (issue
 * 21's done-when): a rule exception suppresses a tagged store's new finding and not an untagged
 * one's; a finding exception suppresses, a severity change updates while suppressed, expiry and
 * revoke bring findings back; `exception show` has the audit; bad command lines create nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const TOKEN = 'exception-cli-token-5c1d';
const GDPR = 1000004;

interface Line {
  DetailType: string;
  Detail: Record<string, unknown> & {
    status?: string;
    dataStore?: { id: number };
    exception?: { exceptionId: string };
    action?: string;
    by?: string | null;
  };
}

const linesOf = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

/** The lines of a run other than the poll summary, as `type store status`. */
const brief = (lines: readonly Line[]) =>
  lines
    .filter((l) => l.DetailType !== 'dspm-poll-completed')
    .map((l) =>
      `${l.DetailType} ${l.Detail.dataStore?.id ?? l.Detail.action} ${l.Detail.status ?? l.Detail.by ?? ''}`.trim(),
    );

describe('dspm-bridge exception (file state, NDJSON)', () => {
  let sim: RunningSimulator;
  let directory: string;
  let stateFile: string;
  let env: Record<string, string>;
  let tenant: string;

  const cli = (...argv: string[]) => runCliCaptured([...argv, '--state', stateFile], env);
  const poll = async () => {
    const run = await cli('poll', '--once');
    expect(run.code, run.stderr).toBe(0);
    return linesOf(run.stdout);
  };
  const add = async (...argv: string[]) => {
    const run = await cli('exception', 'add', ...argv);
    expect(run.code, run.stderr).toBe(0);
    const [line] = linesOf(run.stdout);
    return line as Line;
  };
  const savedExceptions = () =>
    (JSON.parse(readFileSync(stateFile, 'utf8')).tenants[tenant]?.exceptions ?? []) as unknown[];

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    tenant = new URL(sim.url).host;
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-exceptions-'));
    stateFile = join(directory, 'state.json');
    env = {
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '1000',
    };
  });
  afterAll(async () => {
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('applies, expires, revokes and audits exceptions, poll by poll', async () => {
    // Arrange: store 2 tagged GDPR, a baseline.
    sim.tenant.updateStore(2, { data_tags: [GDPR] });
    await poll();

    // A rule: encryption-off on GDPR-tagged stores (the tag named in another case).
    const rule = await add(
      '--condition',
      'encryption-off',
      '--data-tag',
      'gdpr',
      '--reason',
      'compensating-control',
      '--justification',
      'encrypted in the application layer',
      '--by',
      'alice',
      '--expires',
      '90d',
    );
    expect(rule.DetailType).toBe('finding-exception-changed');
    expect(rule.Detail).toMatchObject({
      action: 'created',
      by: 'alice',
      why: 'encrypted in the application layer',
    });
    const ruleId = rule.Detail.exception?.exceptionId as string;
    expect(ruleId).toMatch(/^exc-[0-9a-f]{16}$/);

    // Act + assert: the tagged store's finding opens suppressed, the untagged one's open.
    sim.tenant.updateStore(2, { encryption: 'Off' });
    sim.tenant.updateStore(3, { encryption: 'Off', data_store_risk_rating: 60 });
    const opened = await poll();
    expect(brief(opened).filter((l) => l.startsWith('data-store-finding'))).toEqual([
      'data-store-finding-opened 2 suppressed',
      'data-store-finding-opened 3 open',
      'data-store-finding-opened 3 open',
    ]);
    expect(
      opened.find((l) => l.Detail.dataStore?.id === 2 && l.DetailType === 'data-store-finding-opened')?.Detail
        .exception?.exceptionId,
    ).toBe(ruleId);

    // A finding exception on store 3's high-risk finding: one -suppressed.
    const single = await add(
      '--finding',
      `${tenant}/data-store/3/finding/high-risk`,
      '--reason',
      'risk-accepted',
      '--justification',
      'decommissioned next quarter',
      '--by',
      'bob',
      '--approved-by',
      'carol',
      '--expires',
      '30d',
    );
    const singleId = single.Detail.exception?.exceptionId as string;
    const suppressed = await poll();
    expect(brief(suppressed)).toEqual(['data-store-finding-suppressed 3 suppressed']);
    expect(suppressed[0]?.Detail).toMatchObject({
      condition: 'high-risk',
      exception: { exceptionId: singleId },
    });

    // A severity change while suppressed: -updated, still suppressed.
    sim.tenant.updateStore(3, { data_store_risk_rating: 90 });
    const updated = (await poll()).filter((l) => l.DetailType.startsWith('data-store-finding'));
    expect(updated.map((l) => [l.DetailType, l.Detail.status, l.Detail.severity])).toEqual([
      ['data-store-finding-updated', 'suppressed', 'critical'],
    ]);

    // Its expiresAt passes (set in the past through the state file): the next poll brings it back once.
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    const stored = saved.tenants[tenant].exceptions.find(
      (e: { exceptionId: string }) => e.exceptionId === singleId,
    );
    stored.expiresAt = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(stateFile, JSON.stringify(saved));
    const expired = await poll();
    expect(brief(expired)).toEqual([
      'finding-exception-changed expired',
      'data-store-finding-unsuppressed 3 open',
    ]);
    expect(expired[1]?.Detail).toMatchObject({ occurrence: 1, exception: { exceptionId: singleId } });
    expect(brief(await poll())).toEqual([]);

    // Revoking the rule brings store 2's finding back.
    const revoke = await cli(
      'exception',
      'revoke',
      ruleId,
      '--by',
      'dave',
      '--justification',
      'the app layer stopped encrypting',
    );
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(brief(linesOf(revoke.stdout))).toEqual(['finding-exception-changed revoked dave']);
    expect(brief(await poll())).toEqual(['data-store-finding-unsuppressed 2 open']);

    // The audit: who and when, the bridge's own entry without a `by`.
    const shownSingle = JSON.parse((await cli('exception', 'show', singleId, '--json')).stdout);
    expect(shownSingle.audit.map((e: { action: string; by?: string }) => [e.action, e.by])).toEqual([
      ['created', 'bob'],
      ['expired', undefined],
    ]);
    const shownRule = JSON.parse((await cli('exception', 'show', ruleId, '--json')).stdout);
    expect(
      shownRule.audit.map((e: { action: string; by?: string; why?: string }) => [e.action, e.by, e.why]),
    ).toEqual([
      ['created', 'alice', 'encrypted in the application layer'],
      ['revoked', 'dave', 'the app layer stopped encrypting'],
    ]);
    expect(shownRule).toMatchObject({ revokedBy: 'dave', revocation: 'the app layer stopped encrypting' });
    for (const entry of shownRule.audit) expect(Date.parse(entry.at)).not.toBeNaN();

    // list: the active ones by default (none left), every one with --all.
    expect(JSON.parse((await cli('exception', 'list', '--json')).stdout)).toEqual([]);
    const listed = JSON.parse((await cli('exception', 'list', '--all', '--json')).stdout);
    expect(listed.map((e: { exceptionId: string }) => e.exceptionId)).toEqual([ruleId, singleId]);
    const text = await cli('exception', 'list', '--all');
    expect(text.stdout).toMatch(new RegExp(`${ruleId}\\s+revoked\\s+compensating-control`));
  });

  it.each<[string, string[], RegExp]>([
    [
      'a missing justification',
      ['--condition', 'backup-off', '--reason', 'false-positive', '--by', 'a'],
      /--justification: is required/,
    ],
    [
      'risk-accepted without an expiry',
      [
        '--condition',
        'backup-off',
        '--reason',
        'risk-accepted',
        '--justification',
        'j',
        '--by',
        'a',
        '--approved-by',
        'b',
      ],
      /--expires: a risk-accepted exception needs an expiry/,
    ],
    [
      'risk-accepted without an approver',
      [
        '--condition',
        'backup-off',
        '--reason',
        'risk-accepted',
        '--justification',
        'j',
        '--by',
        'a',
        '--expires',
        '30d',
      ],
      /--approved-by: a risk-accepted exception needs who approved it/,
    ],
    [
      'an expiry past 365 days',
      [
        '--condition',
        'backup-off',
        '--reason',
        'false-positive',
        '--justification',
        'j',
        '--by',
        'a',
        '--expires',
        '366d',
      ],
      /--expires: "366d" is more than 365 days ahead/,
    ],
    [
      'an unknown condition',
      ['--condition', 'encryption-of', '--reason', 'false-positive', '--justification', 'j', '--by', 'a'],
      /--condition: unknown condition "encryption-of"/,
    ],
    [
      'no --by',
      ['--condition', 'backup-off', '--reason', 'false-positive', '--justification', 'j'],
      /--by: who asks for it is required/,
    ],
    [
      'a store id that is not a number',
      [
        '--condition',
        'backup-off',
        '--store',
        'x1',
        '--reason',
        'false-positive',
        '--justification',
        'j',
        '--by',
        'a',
      ],
      /--store must be a whole number/,
    ],
  ])('refuses %s with exit 2 naming the flag, and creates nothing', async (_, argv, message) => {
    const before = savedExceptions().length;
    const run = await cli('exception', 'add', ...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/events:/);
    expect(run.stdout).toBe('');
    expect(savedExceptions()).toHaveLength(before);
  });

  it('answers --help with an example of each form', async () => {
    const run = await runCliCaptured(['exception', '--help'], env);
    expect(run.code).toBe(0);
    for (const form of [
      'exception add --condition',
      'exception add --finding',
      'exception list',
      'exception show',
      'exception revoke',
    ])
      expect(run.stdout).toContain(`dspm-bridge ${form}`);
  });
});
