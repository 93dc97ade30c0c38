/**
 * A Security Hub peer on loopback for the calls the export makes, read from AWS's API reference:
 * `POST /findings/import` (BatchImportFindings: up to 100 findings, refusals listed in
 * `FailedFindings` with HTTP 200), `POST /findings` (GetFindings with `Id` and `ProductArn` EQUALS
 * filters) and `PATCH /findings/batchupdate` (BatchUpdateFindings: up to 100 identifiers, the
 * customer's fields only, `ProcessedFindings` and `UnprocessedFindings`). moto has no
 * BatchUpdateFindings and merges an import into the held finding as sent, so this peer keeps AWS's
 * documented ownership instead, stricter where AWS is lenient:
 * - a new finding gets `Workflow.Status` NEW; a provider never sends Workflow, Note,
 *   UserDefinedFields or VerificationState (AWS ignores them on update; here they are refused);
 * - an update of a held finding carries Severity and Types in `FindingProviderFields` only (AWS
 *   asks this of providers; here a top-level one is refused); the top-level ones follow the
 *   provider's unless a BatchUpdateFindings set them, and the customer's fields are kept;
 * - BatchUpdateFindings refuses any field outside AWS's list (FindingProviderFields among them).
 * Every finding is checked against the ASFF rules (asff-rules.ts), an account without Security Hub
 * refuses every finding with `InvalidAccess` as AWS documents, and refusals can be injected per
 * finding Id, for imports and for updates.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AsffStrictness, asffViolations, STRICT, UPDATABLE_FIELDS } from './asff-rules.ts';

/** One BatchUpdateFindings request as the peer received it. */
export type BatchUpdate = Record<string, unknown> & {
  FindingIdentifiers: { Id: string; ProductArn: string }[];
};

/** The running peer. */
export interface SecurityHubPeer {
  readonly url: string;
  /** The findings held, by Id, as Security Hub would show them. */
  readonly findings: ReadonlyMap<string, Record<string, unknown>>;
  /** Every BatchImportFindings request's findings, in order. */
  readonly imports: Record<string, unknown>[][];
  /** Every BatchUpdateFindings request, in order. */
  readonly updates: BatchUpdate[];
  /** Security Hub on or off in the account (off: every finding refused with InvalidAccess). */
  enabled: boolean;
  /** Refuses the next imports of `id` with `code` (`times` of them). */
  refuse(id: string, code: string, times: number): void;
  /** Leaves the next BatchUpdateFindings of `id` unprocessed with `code` (`times` of them). */
  refuseUpdate(id: string, code: string, times: number): void;
  close(): Promise<void>;
}

const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
/** Fields a provider's update never overwrites: the customer's. */
const KEPT_ON_IMPORT = ['Workflow', 'WorkflowState', 'Note', 'UserDefinedFields', 'VerificationState'];

const MAX_BODY = 6 * 1024 * 1024;

/** Starts the peer on 127.0.0.1. */
export async function startSecurityHubPeer(strictness: AsffStrictness = STRICT): Promise<SecurityHubPeer> {
  const findings = new Map<string, Record<string, unknown>>();
  const imports: Record<string, unknown>[][] = [];
  const updates: BatchUpdate[] = [];
  const refusals = new Map<string, { code: string; times: number }>();
  const updateRefusals = new Map<string, { code: string; times: number }>();
  /** Per finding, the top-level fields a BatchUpdateFindings set: imports no longer move them. */
  const customerSet = new Map<string, Set<string>>();
  const peer = { enabled: true };

  /** The held finding after a provider's import: AWS's documented merge. */
  const merged = (held: Record<string, unknown> | undefined, sent: Record<string, unknown>) => {
    const finding = structuredClone(sent);
    const provided = (finding.FindingProviderFields ?? {}) as Record<string, unknown>;
    if (!held) {
      finding.Workflow = { Status: 'NEW' };
      finding.WorkflowState = 'NEW';
      finding.FindingProviderFields = {
        ...(finding.Severity ? { Severity: finding.Severity } : {}),
        ...(finding.Types ? { Types: finding.Types } : {}),
        ...provided,
      };
      return finding;
    }
    const owned = customerSet.get(String(sent.Id)) ?? new Set<string>();
    const next: Record<string, unknown> = { ...held, ...finding };
    next.FindingProviderFields = { ...(held.FindingProviderFields as object), ...provided };
    for (const name of ['Severity', 'Types']) {
      if (owned.has(name)) next[name] = held[name];
      else if (provided[name] !== undefined) next[name] = structuredClone(provided[name]);
    }
    for (const name of KEPT_ON_IMPORT) if (held[name] !== undefined) next[name] = held[name];
    return next;
  };

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
      const held = findings.get(id);
      const problems = asffViolations(finding, strictness, held !== undefined);
      if (problems.length > 0) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problems.join('; ') });
        continue;
      }
      findings.set(id, merged(held, finding));
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

  const batchUpdate = (body: Record<string, unknown>) => {
    const invalid = (message: string) => ({
      status: 400,
      json: { __type: 'InvalidInputException', message },
    });
    for (const name of Object.keys(body))
      if (name !== 'FindingIdentifiers' && !(UPDATABLE_FIELDS as readonly string[]).includes(name))
        return invalid(`BatchUpdateFindings cannot update ${name}`);
    const identifiers = body.FindingIdentifiers as { Id?: unknown; ProductArn?: unknown }[] | undefined;
    if (!Array.isArray(identifiers) || identifiers.length === 0 || identifiers.length > 100)
      return invalid('FindingIdentifiers must hold 1 to 100 identifiers');
    if (identifiers.some((i) => typeof i.Id !== 'string' || typeof i.ProductArn !== 'string'))
      return invalid('every FindingIdentifier needs Id and ProductArn');
    const workflow = body.Workflow as { Status?: unknown } | undefined;
    if (workflow !== undefined && !WORKFLOW_STATUSES.includes(String(workflow.Status)))
      return invalid(`Workflow.Status must be one of ${WORKFLOW_STATUSES.join(', ')}`);
    const note = body.Note as { Text?: unknown; UpdatedBy?: unknown } | undefined;
    if (note !== undefined)
      for (const part of ['Text', 'UpdatedBy'] as const) {
        const value = note[part];
        if (typeof value !== 'string' || value.length === 0 || value.length > 512)
          return invalid(`Note.${part} must be 1 to 512 characters`);
      }
    const severity = body.Severity as { Label?: unknown } | undefined;
    if (severity !== undefined && !SEVERITY_LABELS.includes(String(severity.Label)))
      return invalid('Severity.Label must be a label');
    updates.push(structuredClone(body) as BatchUpdate);
    const processed: { Id: string; ProductArn: string }[] = [];
    const unprocessed: { FindingIdentifier: object; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const identifier of identifiers as { Id: string; ProductArn: string }[]) {
      const held = findings.get(identifier.Id);
      const refusal = updateRefusals.get(identifier.Id);
      const problem = !held
        ? { code: 'FindingNotFound', message: 'no finding with this Id' }
        : held.ProductArn !== identifier.ProductArn
          ? { code: 'FindingNotFound', message: 'no finding with this Id and ProductArn' }
          : refusal && refusal.times > 0
            ? { code: refusal.code, message: 'refused by the test' }
            : undefined;
      if (refusal && refusal.times > 0 && held) refusal.times -= 1;
      if (!held || problem) {
        unprocessed.push({
          FindingIdentifier: identifier,
          ErrorCode: problem?.code ?? 'FindingNotFound',
          ErrorMessage: problem?.message ?? '',
        });
        continue;
      }
      const owned = customerSet.get(identifier.Id) ?? new Set<string>();
      for (const name of UPDATABLE_FIELDS) {
        if (body[name] === undefined) continue;
        held[name] = structuredClone(body[name]);
        owned.add(name);
      }
      if (note) held.Note = { ...(note as object), UpdatedAt: new Date().toISOString() };
      customerSet.set(identifier.Id, owned);
      processed.push(identifier);
    }
    return { status: 200, json: { ProcessedFindings: processed, UnprocessedFindings: unprocessed } };
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
    if (request.method === 'PATCH' && request.url === '/findings/batchupdate') {
      const { status, json } = batchUpdate(body);
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
    updates,
    refuse: (id: string, code: string, times: number) => refusals.set(id, { code, times }),
    refuseUpdate: (id: string, code: string, times: number) => updateRefusals.set(id, { code, times }),
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
