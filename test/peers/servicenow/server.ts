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
const INCIDENT_COLUMNS: Record<string, number> = {
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
const READ_ONLY = ['sys_id', 'number', 'priority', 'sys_created_on', 'sys_updated_on'];

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
}

/** One request as the peer saw it (the password never kept). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly user: string | undefined;
  readonly status: number;
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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const text = await readBody(req);
    let body: unknown;
    let user: string | undefined;
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: url.pathname, query, body, user, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
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
    if (table !== 'incident') return fail(400, 'Invalid table', `Invalid table ${table}`);
    if (strict.parameters) {
      const unknown = Object.keys(query).filter((key) => !KNOWN_PARAMETERS.has(key));
      if (unknown.length > 0) return fail(400, 'Invalid parameter', unknown.join(','));
    }
    const writes = account.roles.includes('itil') || account.roles.includes('sn_incident_write');
    const fields = query.sysparm_fields?.split(',');
    const shape = (record: Record<string, string>) =>
      fields ? Object.fromEntries(fields.map((field) => [field, record[field] ?? ''])) : { ...record };

    if (req.method === 'GET' && !sysId) {
      const { filters, orderBy } = parseQuery(query.sysparm_query ?? '');
      let found = [...records.values()].filter((record) =>
        filters.every(([field, value]) => (record[field] ?? '') === value),
      );
      if (orderBy) found = found.sort((a, b) => (a[orderBy] ?? '').localeCompare(b[orderBy] ?? ''));
      const limit = Number(query.sysparm_limit ?? 10000);
      return send(200, { result: found.slice(0, limit).map(shape) });
    }
    if (!writes)
      return fail(403, 'Operation Failed', 'ACL Exception Insert Failed due to security constraints');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(400, 'Exception while reading request', 'The payload is not a JSON object.');
    }
    const input = body as Record<string, unknown>;
    for (const [field, value] of Object.entries(input)) {
      if (READ_ONLY.includes(field)) continue;
      const max = INCIDENT_COLUMNS[field];
      if (max === undefined && strict.fields)
        return fail(400, 'Invalid field', `Field ${field} is not in incident`);
      if (typeof value !== 'string') return fail(400, 'Invalid value', `Field ${field} must be a string`);
      if (max !== undefined && value.length > max && strict.length) {
        return fail(400, 'Value too long', `Field ${field} holds at most ${max} characters`);
      }
    }
    const now = new Date().toISOString().replace('T', ' ').slice(0, 23);
    const apply = (record: Record<string, string>) => {
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
      record.sys_updated_on = now;
    };
    const closeCheck = (record: Record<string, string>) => {
      if (!strict.close || record.state !== '6') return undefined;
      if (!record.close_code || !CLOSE_CODES.includes(record.close_code)) return 'close_code';
      if (!record.close_notes) return 'close_notes';
      return undefined;
    };
    if (req.method === 'POST' && !sysId) {
      const record: Record<string, string> = {
        sys_id: randomBytes(16).toString('hex'),
        number: `INC00${++counter}`,
        state: '1',
        impact: '3',
        urgency: '3',
        sys_created_on: `${now}.${String(counter).padStart(6, '0')}`,
      };
      apply(record);
      const missing = closeCheck(record);
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
      const missing = closeCheck(next);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `a=b^c=d^ORDERBYx` into its equality terms and order; anything else is refused. */
function parseQuery(query: string): { filters: [string, string][]; orderBy: string | undefined } {
  const filters: [string, string][] = [];
  let orderBy: string | undefined;
  for (const term of query.split('^').filter((t) => t !== '')) {
    if (term.startsWith('ORDERBY')) {
      orderBy = term.slice('ORDERBY'.length);
      continue;
    }
    const at = term.indexOf('=');
    if (at <= 0) throw new Error(`the peer understands field=value terms only, got ${term}`);
    filters.push([term.slice(0, at), term.slice(at + 1)]);
  }
  return { filters, orderBy };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
