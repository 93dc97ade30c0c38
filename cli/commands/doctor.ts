/**
 * `dspm-bridge doctor [--json]`: checks everything the bridge needs and says what to fix.
 * Human lines on stderr; `--json` prints the checks on stdout. Exit 1 when any check failed.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { type CheckResult, runDoctor } from '#shared/doctor/checks.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT } from '../io.ts';

const OPTIONS = { json: { type: 'boolean' } } as const;

/** Usage of `doctor`. */
export const DOCTOR_USAGE = `usage: dspm-bridge doctor [--json]

Checks the configuration, DNS and TLS to the tenant, the token, every DSPM route the bridge uses and
the token's privilege on it, rate limits, the page size, the AWS bus, table and secret when
configured, and clock skew, and says what to fix. Nothing is changed.`;

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** Runs `doctor`. */
export async function doctorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return EXIT.ok;
  }
  const aws = createAwsClients();
  const results = await runDoctor({
    env: io.env,
    aws,
    now: () => Date.now(),
    // One retry: enough to ride out a blip, few enough that a rate limit shows.
    createClient: (config) =>
      createDspmClient(config, { secretsManager: aws.secretsManager, retry: { maxRetries: 1 } }),
  });
  for (const result of results) {
    io.stderr(`${MARK[result.status]}  ${result.check}: ${result.detail}\n`);
    if (result.fix && result.status !== 'ok') io.stderr(`      fix: ${result.fix}\n`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  io.stderr(
    failed > 0
      ? `${failed} check(s) failed, ${warned} warning(s)\n`
      : `all checks passed${warned > 0 ? `, ${warned} warning(s)` : ''}\n`,
  );
  if (values.json) io.stdout(`${JSON.stringify(results)}\n`);
  return failed > 0 ? EXIT.failure : EXIT.ok;
}
