/**
 * `dspm-bridge status [--json] [--tenant HOST] [--state FILE]`: where each tenant stands, from
 * the state alone (the file, or `STATE_TABLE_NAME`): its last poll and how it ended, a poll in
 * progress and how far it is, its stores, open findings by condition and severity (suppressed
 * ones counted), the unprotected stores and the exceptions that expire within 7 days. It reads;
 * it never calls DSPM and writes nothing.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { readTenantConfigs } from '#shared/config/tenants.ts';
import { silentLogger } from '#shared/logger.ts';
import { createSharedAdapters } from '#shared/roots/bridge-runtime.ts';
import { DEFAULT_STATE_FILE, FileStateStore } from '#shared/state/file-store.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { isEmptyStatus, type TenantStatus, tenantStatus } from '#shared/status/tenant-status.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';
import { statusLines } from '../status-report.ts';

const OPTIONS = {
  json: { type: 'boolean' },
  tenant: { type: 'string' },
  state: { type: 'string' },
} as const;

/** Usage of `status`. */
export const STATUS_USAGE = `usage: dspm-bridge status [--json] [--tenant HOST] [--state FILE]

  --json         print {"tenants": [...]} on stdout (one object per tenant)
  --tenant HOST  only this tenant (default: every tenant in the state file; with
                 STATE_TABLE_NAME, those DSPM_TENANT_URL or DSPM_TENANTS name)
  --state FILE   local state file (default ${DEFAULT_STATE_FILE}; ignored when
                 STATE_TABLE_NAME is set)

Reads the state only: the last poll and how it ended, a poll in progress and how
far it is, stores, open findings by condition and severity and how many of them
exceptions suppress, backup coverage and the unprotected stores, and the
exceptions that expire within 7 days.
Exits 1 when a tenant named has no state.`;

/** Runs `status`. */
export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${STATUS_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.tenant !== undefined && values.tenant.trim() === '')
    throw new UsageError('--tenant needs a host (acme.goskope.com)');
  const { state, exceptions, publishing } = createSharedAdapters(io.env, {
    aws: createAwsClients(),
    logger: silentLogger,
    stateFile: values.state ?? DEFAULT_STATE_FILE,
  });
  if (publishing.stateTableName && values.state !== undefined)
    io.stderr(`note: STATE_TABLE_NAME is set, so --state ${values.state} is ignored\n`);
  const tenants = values.tenant !== undefined ? [values.tenant.trim()] : tenantsOf(state, io);
  const where = publishing.stateTableName
    ? `table ${publishing.stateTableName}`
    : `state file ${values.state ?? DEFAULT_STATE_FILE}`;
  if (tenants.length === 0) {
    io.stderr(`dspm-bridge status: the ${where} holds no tenant yet: run a poll first\n`);
    return EXIT.failure;
  }
  const statuses: TenantStatus[] = [];
  const now = new Date();
  for (const tenant of tenants) statuses.push(await tenantStatus(state, tenant, { exceptions, now }));
  const empty = statuses.filter(isEmptyStatus).map((status) => status.tenant);
  if (values.json) io.stdout(`${JSON.stringify({ tenants: statuses })}\n`);
  else {
    const blocks = statuses
      .filter((status) => !isEmptyStatus(status))
      .map((s) => statusLines(s, now).join('\n'));
    if (blocks.length > 0) io.stdout(`${blocks.join('\n\n')}\n`);
  }
  if (empty.length > 0) {
    io.stderr(
      `dspm-bridge status: the ${where} holds nothing of ${empty.join(', ')}: never polled under that name\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

/**
 * The tenants to show without --tenant: those a state file holds, else those the environment
 * configures (a DynamoDB table is not listed by tenant: that would read the whole table).
 */
function tenantsOf(state: StateStore, io: CliIo): string[] {
  if (state instanceof FileStateStore) return state.knownTenants();
  try {
    return readTenantConfigs(io.env).map((config) => config.tenant.host);
  } catch (error) {
    throw new UsageError(
      `--tenant HOST is needed: the state is in STATE_TABLE_NAME and the environment names no tenant (${(error as Error).message})`,
    );
  }
}
