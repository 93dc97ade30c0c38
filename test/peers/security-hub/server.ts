/**
 * A Security Hub peer on loopback for the two calls the export makes, read from AWS's API
 * reference: `POST /findings/import` (BatchImportFindings: up to 100 findings, refusals listed in
 * `FailedFindings` with HTTP 200) and `POST /findings` (GetFindings with `Id` and `ProductArn`
 * EQUALS filters). Stricter than moto: every finding is checked against the ASFF rules
 * (asff-rules.ts), an account without Security Hub refuses every finding with `InvalidAccess` as AWS
 * documents, and refusals can be injected per finding Id.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AsffStrictness, asffViolations, STRICT } from './asff-rules.ts';

/** The running peer. */
export interface SecurityHubPeer {
  readonly url: string;
  /** The findings held, by Id, as last imported. */
  readonly findings: ReadonlyMap<string, Record<string, unknown>>;
  /** Every BatchImportFindings request's findings, in order. */
  readonly imports: Record<string, unknown>[][];
  /** Security Hub on or off in the account (off: every finding refused with InvalidAccess). */
  enabled: boolean;
  /** Refuses the next imports of `id` with `code` (`times` of them). */
  refuse(id: string, code: string, times: number): void;
  close(): Promise<void>;
}

const MAX_BODY = 6 * 1024 * 1024;

/** Starts the peer on 127.0.0.1. */
export async function startSecurityHubPeer(strictness: AsffStrictness = STRICT): Promise<SecurityHubPeer> {
  const findings = new Map<string, Record<string, unknown>>();
  const imports: Record<string, unknown>[][] = [];
  const refusals = new Map<string, { code: string; times: number }>();
  const peer = { enabled: true };

  const importFindings = (body: { Findings?: Record<string, unknown>[] }) => {
    const batch = body.Findings;
    if (!Array.isArray(batch) || batch.length === 0 || batch.length > 100)
      return { status: 400, json: { Message: 'Findings must hold 1 to 100 findings' } };
    imports.push(batch);
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const finding of batch) {
      const id = String(finding.Id ?? '');
      const refusal = refusals.get(id);
      if (!peer.enabled) {
        failed.push({
          Id: id,
          ErrorCode: 'InvalidAccess',
          ErrorMessage: 'Security Hub is not enabled in this account',
        });
        continue;
      }
      if (refusal && refusal.times > 0) {
        refusal.times -= 1;
        failed.push({ Id: id, ErrorCode: refusal.code, ErrorMessage: 'refused by the test' });
        continue;
      }
      const problems = asffViolations(finding, strictness);
      if (problems.length > 0) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problems.join('; ') });
        continue;
      }
      findings.set(id, structuredClone(finding));
    }
    return {
      status: 200,
      json: {
        FailedCount: failed.length,
        SuccessCount: batch.length - failed.length,
        FailedFindings: failed,
      },
    };
  };

  const getFindings = (body: { Filters?: Record<string, { Value: string; Comparison: string }[]> }) => {
    const filters = body.Filters ?? {};
    for (const [name, values] of Object.entries(filters)) {
      if (!['Id', 'ProductArn'].includes(name) || values.some((v) => v.Comparison !== 'EQUALS'))
        return {
          status: 400,
          json: { Message: `the peer filters on Id and ProductArn EQUALS only, got ${name}` },
        };
      if (values.length > 20) return { status: 400, json: { Message: `${name} takes at most 20 values` } };
    }
    const matches = (finding: Record<string, unknown>, name: string) =>
      !filters[name] || filters[name].some((v) => v.Value === finding[name]);
    const found = [...findings.values()].filter((f) => matches(f, 'Id') && matches(f, 'ProductArn'));
    return { status: 200, json: { Findings: found.slice(0, 100) } };
  };

  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, json: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
      return reply(403, { Message: 'requests must be signed with SigV4' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      return reply(400, { Message: `the body is not JSON: ${(error as Error).message}` });
    }
    if (request.method === 'POST' && request.url === '/findings/import') {
      const { status, json } = importFindings(body);
      return reply(status, json);
    }
    if (request.method === 'POST' && request.url === '/findings') {
      const { status, json } = getFindings(body as never);
      return reply(status, json);
    }
    return reply(404, { Message: `the peer has no ${request.method} ${request.url}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(peer, {
    url: `http://127.0.0.1:${port}`,
    findings,
    imports,
    refuse: (id: string, code: string, times: number) => refusals.set(id, { code, times }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('the body is larger than 6 MB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
