/**
 * `dspm-bridge exception add | list | show | revoke`: people's decisions about findings, kept,
 * audited and applied by the bridge (adapter -> use case). `add` and `revoke` call the same use
 * cases as ServiceNow's follower and publish their `finding-exception-changed` like every command
 * publishes: to `EVENT_BUS_NAME`, else as NDJSON on stdout or `--events FILE`. State is the state
 * file (`--state`) or, with `STATE_TABLE_NAME`, the deployed table, where each change also
 * records the caller's verified AWS identity.
 */
import { callerIdentity } from '#shared/aws/caller-identity.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { systemClock } from '#shared/clock.ts';
import type { FindingException } from '#shared/events/contract.ts';
import type { FindingCondition } from '#shared/events/detail-types.ts';
import { isActive } from '#shared/exceptions/coverage.ts';
import { createException, type ExceptionChange } from '#shared/exceptions/create-exception.ts';
import { type ExceptionField, ExceptionValidationError } from '#shared/exceptions/exception-errors.ts';
import type { ExceptionPorts } from '#shared/exceptions/exception-ports.ts';
import type { ExceptionReason } from '#shared/exceptions/exception-request.ts';
import type { AuditedException } from '#shared/exceptions/exception-store.ts';
import { revokeException } from '#shared/exceptions/revoke-exception.ts';
import { createPollerRuntime } from '#shared/roots/poller-runtime.ts';
import { DEFAULT_STATE_FILE } from '#shared/state/file-store.ts';
import { chooseEventOutput, configuredBus } from '../event-output.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';
import { stderrLogger } from '../stderr-logger.ts';

/** Usage of `exception`. */
export const EXCEPTION_USAGE = `usage: dspm-bridge exception add (--finding ID | --condition C [--data-tag NAME] [--connection ID] [--service ID] [--store ID]...)
                                --reason R --justification TEXT --by WHO [--approved-by WHO] [--expires DURATION|ISO-8601]
       dspm-bridge exception list [--all] [--json]
       dspm-bridge exception show ID [--json]
       dspm-bridge exception revoke ID --by WHO --justification TEXT
       (every form takes --state FILE, and --tenant HOST when DSPM_TENANTS lists several tenants;
        add and revoke take --events FILE)

  --finding ID        one finding: <tenant>/data-store/<id>/finding/<condition>
  --condition C       a rule: every finding of condition C (high-risk, public-access, encryption-off,
                      backup-off, unprotected) on stores matching every selector given:
  --data-tag NAME     a DSPM Data Tag on the store (case-insensitive), as the poll sees it
  --connection ID     an infrastructure connection id
  --service ID        a service id
  --store ID          a store id (repeat for several)
  --reason R          risk-accepted (needs --approved-by and --expires), compensating-control (needs
                      --expires) or false-positive (365 days unless --expires says less)
  --justification T   why (at most 2000 characters)
  --by WHO            who asks (or revokes)
  --approved-by WHO   who approved
  --expires D         a duration (90d, 12w, 48h, P90D) or an ISO 8601 time; at most 365 days ahead
  --all               list revoked and expired exceptions too
  --json              list: a JSON array of exceptions; show: the exception with its audit entries

examples:
  dspm-bridge exception add --condition encryption-off --data-tag GDPR --reason compensating-control \\
      --justification "encrypted in the application layer" --by alice --expires 90d
  dspm-bridge exception add --finding example.goskope.com/data-store/7/finding/public-access \\
      --reason risk-accepted --justification "public by design: the docs site" --by bob --approved-by carol --expires 2027-06-30
  dspm-bridge exception list --all
  dspm-bridge exception show exc-0123456789abcdef --json
  dspm-bridge exception revoke exc-0123456789abcdef --by alice --justification "the app layer no longer encrypts"

Each change goes to the EventBridge bus EVENT_BUS_NAME as finding-exception-changed; without it, as
one NDJSON line on stdout or --events FILE. Findings follow on the next poll.`;

const COMMON = {
  state: { type: 'string' },
  tenant: { type: 'string' },
} as const;

const ADD = {
  ...COMMON,
  events: { type: 'string' },
  finding: { type: 'string' },
  condition: { type: 'string' },
  'data-tag': { type: 'string' },
  connection: { type: 'string' },
  service: { type: 'string' },
  store: { type: 'string', multiple: true },
  reason: { type: 'string' },
  justification: { type: 'string' },
  by: { type: 'string' },
  'approved-by': { type: 'string' },
  expires: { type: 'string' },
} as const;

const REVOKE = {
  ...COMMON,
  events: { type: 'string' },
  by: { type: 'string' },
  justification: { type: 'string' },
} as const;

const LIST = { ...COMMON, all: { type: 'boolean' }, json: { type: 'boolean' } } as const;
const SHOW = { ...COMMON, json: { type: 'boolean' } } as const;

/** The flag that sets each field of a request. */
const FLAG_OF: Record<ExceptionField, string> = {
  scope: '--finding or --condition',
  'scope.findingId': '--finding',
  'scope.condition': '--condition',
  'scope.dataTag': '--data-tag',
  'scope.dataStoreIds': '--store',
  reason: '--reason',
  justification: '--justification',
  requestedBy: '--by',
  approvedBy: '--approved-by',
  expires: '--expires',
  exceptionId: 'ID',
  revokedBy: '--by',
};

/** Runs `exception`. */
export async function exceptionCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    (action === undefined ? io.stderr : io.stdout)(`${EXCEPTION_USAGE}\n`);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  try {
    switch (action) {
      case 'add':
        return await addCommand(rest, io);
      case 'revoke':
        return await revokeCommand(rest, io);
      case 'list':
        return await listCommand(rest, io);
      case 'show':
        return await showCommand(rest, io);
      default:
        throw new UsageError(`unknown action "${action}" (add, list, show, revoke)`);
    }
  } catch (error) {
    if (error instanceof ExceptionValidationError)
      throw new UsageError(`${FLAG_OF[error.field]}: ${error.message.slice(error.field.length + 2)}`);
    throw error;
  }
}

async function addCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, ADD);
  if (values.help) return help(io);
  if ((values.finding === undefined) === (values.condition === undefined))
    throw new UsageError('give one of --finding ID or --condition C');
  if (values.finding !== undefined) {
    for (const flag of ['data-tag', 'connection', 'service', 'store'] as const)
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} selects stores for a --condition rule, not a --finding`);
  }
  const context = openExceptions(values, io);
  const scope =
    values.finding !== undefined
      ? { findingId: values.finding }
      : {
          condition: values.condition as FindingCondition,
          ...(values['data-tag'] === undefined ? {} : { dataTag: values['data-tag'] }),
          ...(values.connection === undefined
            ? {}
            : { infrastructureConnectionId: wholeNumber('--connection', values.connection) }),
          ...(values.service === undefined ? {} : { serviceId: wholeNumber('--service', values.service) }),
          ...(values.store === undefined
            ? {}
            : { dataStoreIds: values.store.map((id) => wholeNumber('--store', id)) }),
        };
  if (values.reason === undefined)
    throw new UsageError('--reason is required (risk-accepted, false-positive, compensating-control)');
  const change = await createException(
    context.ports(values.events),
    {
      tenant: context.tenant,
      scope,
      reason: values.reason as ExceptionReason,
      justification: values.justification ?? '',
      requestedBy: values.by ?? '',
      approvedBy: values['approved-by'],
      expires: values.expires,
      source: 'cli',
    },
    new Date(systemClock.now()),
  );
  return reportChange(change, io, 'created');
}

async function revokeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, REVOKE, true);
  if (values.help) return help(io);
  const exceptionId = onePositional(positionals);
  const context = openExceptions(values, io);
  const change = await revokeException(
    context.ports(values.events),
    {
      tenant: context.tenant,
      exceptionId,
      revokedBy: values.by ?? '',
      justification: values.justification ?? '',
    },
    new Date(systemClock.now()),
  );
  return reportChange(change, io, 'revoked');
}

async function listCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, LIST);
  if (values.help) return help(io);
  const context = openExceptions(values, io);
  const now = new Date(systemClock.now());
  const all = await context.store.listExceptions(context.tenant);
  const shown = all
    .map(({ exception }) => exception)
    .filter((exception) => values.all || isActive(exception, now))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (values.json) {
    io.stdout(`${JSON.stringify(shown)}\n`);
    return EXIT.ok;
  }
  if (shown.length === 0) {
    io.stderr(`no ${values.all ? '' : 'active '}exceptions for ${context.tenant}\n`);
    return EXIT.ok;
  }
  const rows = shown.map((e) => [
    e.exceptionId,
    statusOf(e, now),
    e.reason,
    e.expiresAt,
    e.requestedBy,
    scopeText(e),
  ]);
  io.stdout(table([['ID', 'STATUS', 'REASON', 'EXPIRES', 'BY', 'SCOPE'], ...rows]));
  return EXIT.ok;
}

async function showCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, SHOW, true);
  if (values.help) return help(io);
  const exceptionId = onePositional(positionals);
  const context = openExceptions(values, io);
  const found = await context.store.getException(context.tenant, exceptionId);
  if (found === undefined) {
    io.stderr(`dspm-bridge exception show: no exception ${exceptionId} for ${context.tenant}\n`);
    return EXIT.failure;
  }
  const shown = { ...found.exception, audit: found.audit.map(auditLine) };
  if (values.json) io.stdout(`${JSON.stringify(shown)}\n`);
  else io.stdout(describe(found, new Date(systemClock.now())));
  return EXIT.ok;
}

/** An audit entry as `show` prints it: `by` and `why` absent where the bridge itself acted. */
function auditLine(entry: AuditedException['audit'][number]) {
  return {
    action: entry.action,
    at: entry.at,
    ...(entry.by === null ? {} : { by: entry.by }),
    ...(entry.why === null ? {} : { why: entry.why }),
    ...(entry.verifiedIdentity ? { verifiedIdentity: entry.verifiedIdentity } : {}),
  };
}

function describe({ exception: e, audit }: AuditedException, now: Date): string {
  const lines = [
    `${e.exceptionId}  ${statusOf(e, now)}`,
    `  tenant         ${e.tenant}`,
    `  scope          ${scopeText(e)}`,
    `  reason         ${e.reason}`,
    `  justification  ${e.justification}`,
    `  requested by   ${e.requestedBy}${e.approvedBy ? `, approved by ${e.approvedBy}` : ''} (${e.source})`,
    `  created        ${e.createdAt}`,
    `  expires        ${e.expiresAt}`,
    ...(e.revokedAt ? [`  revoked        ${e.revokedAt} by ${e.revokedBy}: ${e.revocation}`] : []),
    'audit:',
    ...audit.map(
      (entry) =>
        `  ${entry.at}  ${entry.action.padEnd(8)}  ${entry.by ?? '(the bridge)'}${entry.verifiedIdentity ? ` [${entry.verifiedIdentity}]` : ''}${entry.why ? `: ${entry.why}` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function statusOf(exception: FindingException, now: Date): string {
  if (exception.revokedAt !== null) return 'revoked';
  return isActive(exception, now) ? 'active' : 'expired';
}

function scopeText({ scope }: FindingException): string {
  if ('findingId' in scope) return scope.findingId;
  return [
    scope.condition,
    scope.dataTag === undefined ? undefined : `tag=${scope.dataTag}`,
    scope.infrastructureConnectionId === undefined
      ? undefined
      : `connection=${scope.infrastructureConnectionId}`,
    scope.serviceId === undefined ? undefined : `service=${scope.serviceId}`,
    scope.dataStoreIds === undefined ? undefined : `stores=${scope.dataStoreIds.join(',')}`,
  ]
    .filter(Boolean)
    .join(' ');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n')
    .concat('\n');
}

function reportChange(change: ExceptionChange, io: CliIo, what: 'created' | 'revoked'): number {
  const { exception } = change;
  io.stderr(
    `${exception.exceptionId} ${what} (${exception.reason}, until ${exception.expiresAt}); findings follow on the next poll\n`,
  );
  if (!change.published.ok) {
    io.stderr(
      `dspm-bridge exception: ${exception.exceptionId} is ${what} and audited, but its finding-exception-changed event was not accepted (${change.published.errorCode}: ${change.published.errorMessage})\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** The tenant and store the command works on, and the ports of a change. */
function openExceptions(values: { state?: string | undefined; tenant?: string | undefined }, io: CliIo) {
  const aws = createAwsClients();
  const runtime = createPollerRuntime(io.env, {
    aws,
    logger: stderrLogger(io.stderr, false),
    stateFile: values.state ?? DEFAULT_STATE_FILE,
  });
  if (runtime.publishing.stateTableName && values.state !== undefined)
    io.stderr(`note: STATE_TABLE_NAME is set, so --state ${values.state} is ignored\n`);
  const chosen = values.tenant === undefined ? runtime : runtime.tenants.get(values.tenant);
  const tenant = chosen.dspmConfig.tenant.host;
  if (values.tenant === undefined && runtime.tenants.hosts.length > 1)
    io.stderr(
      `note: DSPM_TENANTS lists ${runtime.tenants.hosts.length} tenants; working on the first, ${tenant} (--tenant HOST picks another)\n`,
    );
  return {
    tenant,
    store: runtime.exceptions,
    ports(eventsFile: string | undefined): ExceptionPorts {
      const output = chooseEventOutput(
        { dryRun: false, eventsFile, json: false, bus: configuredBus(runtime) },
        io,
      );
      return {
        store: runtime.exceptions,
        // Where the event went is said when it goes: a refused command line publishes nothing.
        sink: {
          publish: (events) => {
            io.stderr(`${output.notice}\n`);
            return output.sink.publish(events);
          },
        },
        events: { source: runtime.publishing.source, test: runtime.publishing.test },
        verifiedIdentity: runtime.exceptionsInAws ? callerIdentity() : undefined,
      };
    },
  };
}

function onePositional(positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError('give one exception id (exc- and 16 hex digits)');
  return positionals[0] as string;
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return Number(text.trim());
}

function help(io: CliIo): number {
  io.stdout(`${EXCEPTION_USAGE}\n`);
  return EXIT.ok;
}
