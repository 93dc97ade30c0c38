/**
 * A ServiceNow instance's Table API, written from ServiceNow's REST documentation (not from the
 * bridge's client): `GET /api/now/table/{table}` with `sysparm_query` (`field=value` terms joined
 * by `^`, `ORDERBY<field>`), `sysparm_fields`, `sysparm_limit`; `POST` inserts; `PATCH
 * /{table}/{sys_id}` updates; basic auth; errors as `{"error": {"message", "detail"}, "status":
 * "failure"}` with 400, 401, 403 and 404; 429 with `Retry-After`. Priority is derived from impact
 * and urgency by the default lookup matrix, as the platform does.
 *
 * Stricter than the real thing where the documentation is silent, each strictness selectable:
 * unknown fields and unknown `sysparm_*` parameters are refused (ServiceNow ignores them), a
 * resolve needs `close_code` (one of the instance's choices) and `close_notes` (a data policy on
 * many instances), a value longer than its column is refused (ServiceNow truncates). HTTPS only,
 * on 127.0.0.1.
 *
 * Two tables, each with its own rules: ITSM's `incident` (states 1 New, 2 In Progress, 3 On Hold,
 * 6 Resolved, 7 Closed, 8 Canceled; Resolved needs a resolution code and notes) and Security
 * Incident Response's `sn_si_incident` (states 10 Draft, 16 Analysis, 18 Contain, 19 Eradicate,
 * 20 Recover, 100 Review, 3 Closed, 7 Cancelled; SIR's close codes; a record is closed from Review
 * only, as SIR's process definition and its "Close security incidents" task have it, and closing
 * needs a close code and close notes). Every answer carries an `X-Transaction-ID`. The encoded
 * query knows `=`, `!=`, `>`, `>=`, `<`, `<=`, `IN`, `ORDERBY` and `ORDERBYDESC`, with
 * `sysparm_offset` paging; an optional per-hour rate limit answers 429 with `Retry-After` counting
 * to the window's reset and `X-RateLimit-*` headers, as ServiceNow's rate limit rules do. Writes
 * stamp `sys_updated_by` (the caller), `sys_updated_on` and `sys_mod_count`; closing stamps
 * `closed_by` and `closed_at`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const tls = (name: string) => fileURLToPath(new URL(`../../fixtures/tls/${name}`, import.meta.url));

/** The certificate the peer presents (a client trusts it through NODE_EXTRA_CA_CERTS). */
export const PEER_CA_FILE = tls('tenant.cert.pem');

/** Columns of `incident` the peer knows, with their lengths (task and incident dictionaries). */
const TASK_COLUMNS: Record<string, number> = {
  short_description: 160,
  description: 4000,
  correlation_id: 100,
  correlation_display: 100,
  impact: 40,
  urgency: 40,
  state: 40,
  close_code: 40,
  close_notes: 4000,
  work_notes: 4000,
  category: 40,
  assignment_group: 32,
};
const READ_ONLY = [
  'sys_id',
  'number',
  'priority',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
  'closed_by',
  'closed_at',
  'resolved_by',
  'resolved_at',
];

/** Close codes of a plain instance's `close_code` choice list. */
export const CLOSE_CODES = [
  'Duplicate',
  'Known error',
  'No resolution provided',
  'Resolved by caller',
  'Resolved by change',
  'Resolved by problem',
  'Resolved by request',
  'Solution provided',
  'Workaround provided',
  'User error',
];

/** Close codes of Security Incident Response (the "Close security incidents" task lists them). */
export const SIR_CLOSE_CODES = [
  'Investigation completed',
  'Threat mitigated',
  'Patched vulnerability',
  'Invalid vulnerability',
  'Not resolved',
  'False positive',
];

/** One table's rules. */
interface TableRules {
  readonly columns: Record<string, number>;
  readonly prefix: string;
  readonly initialState: string;
  readonly states: readonly string[];
  /** The state that needs the close fields, and the states it may be entered from (all when absent). */
  readonly closing: { readonly state: string; readonly from?: readonly string[] };
  /** The state that stamps resolved_by and resolved_at (ITSM's Resolved), if the table has one. */
  readonly resolvedState?: string;
  /** States that stamp closed_by and closed_at on entering one. */
  readonly closedStates: readonly string[];
  readonly closeCodes: readonly string[];
}

const TABLES: Record<string, TableRules> = {
  incident: {
    columns: TASK_COLUMNS,
    prefix: 'INC',
    initialState: '1',
    states: ['1', '2', '3', '6', '7', '8'],
    closing: { state: '6' },
    resolvedState: '6',
    closedStates: ['7', '8'],
    closeCodes: CLOSE_CODES,
  },
  sn_si_incident: {
    columns: { ...TASK_COLUMNS, severity: 40 },
    prefix: 'SIR',
    initialState: '10',
    states: ['10', '16', '18', '19', '20', '100', '3', '7'],
    closing: { state: '3', from: ['100'] },
    closedStates: ['3', '7'],
    closeCodes: SIR_CLOSE_CODES,
  },
};

const PRIORITY: Record<string, string> = {
  '1/1': '1',
  '1/2': '2',
  '2/1': '2',
  '1/3': '3',
  '2/2': '3',
  '3/1': '3',
  '2/3': '4',
  '3/2': '4',
  '3/3': '5',
};

const KNOWN_PARAMETERS = new Set([
  'sysparm_query',
  'sysparm_fields',
  'sysparm_limit',
  'sysparm_offset',
  'sysparm_display_value',
  'sysparm_exclude_reference_link',
  'sysparm_input_display_value',
  'sysparm_suppress_auto_sys_field',
]);

/** Strictness and faults, all selectable. */
export interface PeerOptions {
  readonly users?: Readonly<Record<string, { password: string; roles: readonly string[] }>>;
  readonly rejectUnknownFields?: boolean;
  readonly rejectUnknownParameters?: boolean;
  readonly requireCloseFields?: boolean;
  readonly rejectOverlongValues?: boolean;
  readonly latencyMs?: number;
  /** Close codes an admin added to the tables' choice lists (e.g. `Risk Accepted`). */
  readonly extraCloseCodes?: readonly string[];
  /** Requests each user may make per hour (a ServiceNow rate limit rule); none by default. */
  readonly requestsPerHour?: number;
  /** The peer's clock (ms), for the rate limit window and the sys_ stamps. */
  readonly now?: () => number;
}

/** One request as the peer saw it (the password never kept). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly user: string | undefined;
  readonly status: number;
  readonly transactionId: string;
}

/** A running peer. */
export interface ServiceNowPeer {
  readonly url: string;
  readonly records: Map<string, Record<string, string>>;
  readonly requests: SeenRequest[];
  /** The next `count` requests answer 429 with `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void;
  /** Every answer waits `ms` first (widens the window between a lookup and a create). */
  setLatency(ms: number): void;
  /** The next `count` requests answer 503 (count Infinity: until `recover`). */
  down(count: number): void;
  /** The rate limit's hour ends now: every user's count starts again. */
  resetRateWindow(): void;
  /** The sys_id of a user (what reference fields such as `closed_by` hold). */
  userSysId(user: string): string;
  recover(): void;
  close(): Promise<void>;
}

/** Starts the peer on 127.0.0.1 (a free port). */
export async function startServiceNowPeer(options: PeerOptions = {}): Promise<ServiceNowPeer> {
  const users = options.users ?? { 'dspm.bridge': { password: 'peer-password-1', roles: ['itil'] } };
  const strict = {
    fields: options.rejectUnknownFields ?? true,
    parameters: options.rejectUnknownParameters ?? true,
    close: options.requireCloseFields ?? true,
    length: options.rejectOverlongValues ?? true,
  };
  const records = new Map<string, Record<string, string>>();
  const requests: SeenRequest[] = [];
  let throttled = { count: 0, retryAfter: 0 };
  let failing = 0;
  let counter = 10000;
  let latencyMs = options.latencyMs ?? 0;
  const now = options.now ?? Date.now;
  const HOUR_MS = 3_600_000;
  let windowStart = Math.floor(now() / HOUR_MS) * HOUR_MS;
  const used = new Map<string, number>();
  const userIds = new Map(Object.keys(users).map((user) => [user, randomBytes(16).toString('hex')]));
  const userSysId = (user: string) => userIds.get(user) ?? '';
  const userNameOf = (id: string) => [...userIds].find(([, sysId]) => sysId === id)?.[0];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const text = await readBody(req);
    let body: unknown;
    let user: string | undefined;
    const transactionId = randomBytes(6).toString('hex');
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query,
        body,
        user,
        status,
        transactionId,
      });
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-transaction-id': transactionId,
        ...headers,
      });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, message: string, detail: string | null, headers?: Record<string, string>) =>
      send(status, { error: { message, detail }, status: 'failure' }, headers);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return fail(400, 'Exception while reading request', 'The payload is not valid JSON.');
    }
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [name, password] = auth
      ? Buffer.from(auth[1] as string, 'base64')
          .toString('utf8')
          .split(/:(.*)/s)
      : [];
    const account = name ? users[name] : undefined;
    if (!account || account.password !== password) {
      return fail(401, 'User Not Authenticated', 'Required to provide Auth information');
    }
    user = name;
    if (options.requestsPerHour !== undefined && name) {
      if (now() >= windowStart + HOUR_MS) {
        windowStart = Math.floor(now() / HOUR_MS) * HOUR_MS;
        used.clear();
      }
      const count = (used.get(name) ?? 0) + 1;
      used.set(name, count);
      const reset = windowStart + HOUR_MS;
      if (count > options.requestsPerHour) {
        return fail(
          429,
          'Too Many Requests',
          `Rate limit of ${options.requestsPerHour} requests per hour exceeded`,
          {
            'retry-after': String(Math.ceil((reset - now()) / 1000)),
            'x-ratelimit-limit': String(options.requestsPerHour),
            'x-ratelimit-reset': String(Math.floor(reset / 1000)),
            'x-ratelimit-rule': 'dspm-bridge per-user rule',
          },
        );
      }
    }
    if (throttled.count > 0) {
      throttled.count--;
      return fail(429, 'Rate limit exceeded', 'Too many requests', {
        'retry-after': String(throttled.retryAfter),
      });
    }
    if (failing > 0) {
      failing--;
      return fail(503, 'Service Unavailable', 'The instance is unavailable');
    }
    const match = /^\/api\/now\/table\/([a-z0-9_]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return fail(400, 'Requested URI does not represent any resource', url.pathname);
    const [, table, sysId] = match;
    const rules = table ? TABLES[table] : undefined;
    if (!rules) return fail(400, 'Invalid table', `Invalid table ${table}`);
    const closeCodes = [...rules.closeCodes, ...(options.extraCloseCodes ?? [])];
    if (strict.parameters) {
      const unknown = Object.keys(query).filter((key) => !KNOWN_PARAMETERS.has(key));
      if (unknown.length > 0) return fail(400, 'Invalid parameter', unknown.join(','));
    }
    const writes =
      table === 'sn_si_incident'
        ? account.roles.includes('sn_si.analyst') || account.roles.includes('sn_si.write')
        : account.roles.includes('itil') || account.roles.includes('sn_incident_write');
    const fields = query.sysparm_fields?.split(',');
    const value = (record: Record<string, string>, field: string) => {
      const [reference, column] = field.split('.');
      if (column === undefined) return record[field] ?? '';
      // Dot-walking: only sys_user's user_name, through the reference fields the peer stamps.
      const id = record[reference as string];
      return column === 'user_name' && id ? (userNameOf(id) ?? '') : '';
    };
    const shape = (record: Record<string, string>) =>
      fields ? Object.fromEntries(fields.map((field) => [field, value(record, field)])) : { ...record };

    if (req.method === 'GET' && !sysId) {
      let parsed: ReturnType<typeof parseQuery>;
      try {
        parsed = parseQuery(query.sysparm_query ?? '');
      } catch (error) {
        return fail(400, 'Invalid query', (error as Error).message);
      }
      const found = [...records.values()]
        .filter((record) => record.sys_class_name === table)
        .filter((record) => parsed.filters.every((filter) => matches(record, filter)))
        .sort((a, b) => {
          for (const { field, descending } of parsed.orderBy) {
            const order = (a[field] ?? '').localeCompare(b[field] ?? '');
            if (order !== 0) return descending ? -order : order;
          }
          return 0;
        });
      const limit = Number(query.sysparm_limit ?? 10000);
      const offset = Number(query.sysparm_offset ?? 0);
      return send(
        200,
        { result: found.slice(offset, offset + limit).map(shape) },
        {
          'x-total-count': String(found.length),
        },
      );
    }
    if (!writes)
      return fail(403, 'Operation Failed', 'ACL Exception Insert Failed due to security constraints');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(400, 'Exception while reading request', 'The payload is not a JSON object.');
    }
    const input = body as Record<string, unknown>;
    for (const [field, value] of Object.entries(input)) {
      if (READ_ONLY.includes(field)) continue;
      const max = rules.columns[field];
      if (max === undefined && strict.fields)
        return fail(400, 'Invalid field', `Field ${field} is not in ${table}`);
      if (typeof value !== 'string') return fail(400, 'Invalid value', `Field ${field} must be a string`);
      if (max !== undefined && value.length > max && strict.length) {
        return fail(400, 'Value too long', `Field ${field} holds at most ${max} characters`);
      }
    }
    if (typeof input.state === 'string' && !rules.states.includes(input.state)) {
      return fail(400, 'Invalid value', `${input.state} is not a state of ${table}`);
    }
    // ServiceNow's glide date-time: UTC, "yyyy-MM-dd HH:mm:ss".
    const stamp = new Date(now()).toISOString().replace('T', ' ').slice(0, 19);
    const apply = (record: Record<string, string>) => {
      const before = record.state;
      for (const [field, value] of Object.entries(input)) {
        if (READ_ONLY.includes(field) || field === 'work_notes') continue;
        record[field] = value as string;
      }
      if (typeof input.work_notes === 'string') {
        record.work_notes = record.work_notes
          ? `${record.work_notes}\n${input.work_notes}`
          : input.work_notes;
      }
      record.priority = PRIORITY[`${record.impact}/${record.urgency}`] ?? '5';
      record.sys_updated_on = stamp;
      record.sys_updated_by = name as string;
      record.sys_mod_count = String(Number(record.sys_mod_count ?? '-1') + 1);
      // Reference fields hold the user's sys_id; `closed_by.user_name` dot-walks to the name.
      if (record.state !== before && record.state === rules.resolvedState) {
        record.resolved_by = userSysId(name as string);
        record.resolved_at = stamp;
      }
      if (record.state !== before && rules.closedStates.includes(record.state ?? '')) {
        record.closed_by = userSysId(name as string);
        record.closed_at = stamp;
      }
    };
    const closeCheck = (record: Record<string, string>, before: string | undefined) => {
      if (record.state !== rules.closing.state || before === rules.closing.state) return undefined;
      const from = rules.closing.from;
      if (from && !from.includes(before ?? '')) {
        return `state: a ${table} record is closed from state ${from.join(' or ')} only, not ${before ?? 'a new record'}`;
      }
      if (!strict.close) return undefined;
      if (!record.close_code || !closeCodes.includes(record.close_code)) return 'close_code';
      if (!record.close_notes) return 'close_notes';
      return undefined;
    };
    if (req.method === 'POST' && !sysId) {
      const record: Record<string, string> = {
        sys_id: randomBytes(16).toString('hex'),
        sys_class_name: table as string,
        number: `${rules.prefix}00${++counter}`,
        state: rules.initialState,
        impact: '3',
        urgency: '3',
        // The counter keeps creation order within one second, which the real column cannot.
        sys_created_on: `${stamp}.${String(counter).padStart(6, '0')}`,
        sys_created_by: name as string,
      };
      apply(record);
      const missing = closeCheck(record, undefined);
      if (missing)
        return fail(400, 'Data Policy Exception', `The following fields are mandatory: ${missing}`);
      records.set(record.sys_id as string, record);
      return send(201, { result: shape(record) });
    }
    if (req.method === 'PATCH' && sysId) {
      const existing = records.get(sysId);
      if (!existing)
        return fail(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
      const next = { ...existing };
      apply(next);
      const missing = closeCheck(next, existing.state);
      if (missing)
        return fail(400, 'Data Policy Exception', `The following fields are mandatory: ${missing}`);
      records.set(sysId, next);
      return send(200, { result: shape(next) });
    }
    return fail(405, 'Method not Supported', `${req.method} is not supported here`);
  };

  const server = createServer(
    { cert: readFileSync(tls('tenant.cert.pem')), key: readFileSync(tls('tenant.key.pem')) },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), detail: null }, status: 'failure' }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    records,
    requests,
    throttle: (count, retryAfter) => {
      throttled = { count, retryAfter };
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    down: (count) => {
      failing = count;
    },
    recover: () => {
      failing = 0;
      throttled = { count: 0, retryAfter: 0 };
    },
    userSysId,
    resetRateWindow: () => {
      used.clear();
      windowStart = now();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One term of an encoded query. */
interface Filter {
  readonly field: string;
  readonly operator: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'IN';
  readonly value: string;
}

/**
 * `a=b^c>=d^eINx,y^ORDERBYf^ORDERBYDESCg` into its terms and order. Anything else (`^OR`, `^NQ`,
 * `LIKE`, ...) is refused: the bridge has no business sending it.
 */
function parseQuery(query: string): {
  filters: Filter[];
  orderBy: { field: string; descending: boolean }[];
} {
  const filters: Filter[] = [];
  const orderBy: { field: string; descending: boolean }[] = [];
  for (const term of query.split('^').filter((t) => t !== '')) {
    if (term.startsWith('ORDERBYDESC')) {
      orderBy.push({ field: term.slice('ORDERBYDESC'.length), descending: true });
      continue;
    }
    if (term.startsWith('ORDERBY')) {
      orderBy.push({ field: term.slice('ORDERBY'.length), descending: false });
      continue;
    }
    const match = /^([a-z_][a-z0-9_]*)(!=|>=|<=|=|>|<|IN)(.*)$/.exec(term);
    if (!match) throw new Error(`the peer understands field<op>value terms only, got ${term}`);
    filters.push({
      field: match[1] as string,
      operator: match[2] as Filter['operator'],
      value: match[3] as string,
    });
  }
  return { filters, orderBy };
}

/** Whether `record` passes `filter`; `>`-style comparisons compare strings, as date-times sort as text. */
function matches(record: Record<string, string>, { field, operator, value }: Filter): boolean {
  const actual = record[field] ?? '';
  switch (operator) {
    case '=':
      return actual === value;
    case '!=':
      return actual !== value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case 'IN':
      return value.split(',').includes(actual);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
