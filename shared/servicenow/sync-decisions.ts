/**
 * The use case: decisions people make on the bridge's ServiceNow records come back as exceptions
 * (**use case**; functions/sync-servicenow.ts is the adapter).
 *
 * read the watermark -> list the records people finished since (paged) -> each: skip what was
 * applied, map its close code, record the exception -> advance the watermark -> stop at the page
 * cap or at ServiceNow's rate limit.
 *
 * Decisions:
 * - The query: `correlation_display=dspm-bridge` (the bridge's records), `sys_updated_by!=<the
 *   integration user>` (the bridge's own writes are never decisions), the table's finished states,
 *   `sys_updated_on>=<watermark - overlap>`, ordered by `sys_updated_on` then `sys_id`, paged by
 *   `sysparm_offset`. The overlap re-reads records committed late or stamped in the same second;
 *   reading one twice does nothing, because each decision is applied once per record and close
 *   code (`<sys_id>/<close_code>`; ITSM's automatic Resolved -> Closed keeps the code, so it is
 *   not a second decision).
 * - The watermark moves after each page, to the newest `sys_updated_on` applied, and never back:
 *   a run that crashes re-reads from the last saved page, and the decision keys keep it from
 *   applying anything twice.
 * - A mapped close code becomes an exception on the finding: reason and expiry from the mapping,
 *   `requestedBy` the person who resolved or closed the record, `justification` the close notes,
 *   `source: servicenow`; for `risk-accepted`, `approvedBy` is that same person (closing the
 *   record with that code is the approval ServiceNow recorded). Close notes are required: a
 *   decision without them is refused, logged, and not retried.
 * - An unmapped close code is no decision: nothing is created; the record stays closed, since
 *   the follower never writes to a finished record.
 * - A `Retry-After` longer than a run can wait stops the run and pauses the sync until then; the
 *   watermark keeps what was done.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { BridgeError } from '../errors.ts';
import type { ExceptionRequest } from '../exceptions/exception-request.ts';
import type { Logger } from '../logger.ts';
import type { DecisionMapping, DecisionRule } from './decision-mapping.ts';
import { ServiceNowError } from './errors.ts';
import { CORRELATION_DISPLAY } from './incident-fields.ts';
import { parseRecordKey } from './record-key.ts';
import type { SyncStore } from './sync-store.ts';
import type { TableClient, TableRecord } from './table-client.ts';
import type { TableProfile } from './table-profile.ts';

/** Records a person's decision as an exception, once per `key` (a second call returns the first id). */
export interface DecisionRecorder {
  recordDecision(request: ExceptionRequest, key: string): Promise<{ readonly exceptionId: string }>;
}

/** The exception id a decision gets: the same key always gets the same id, so a retry cannot make two. */
export function decisionExceptionId(key: string): string {
  return `exc-${createHash('sha256').update(`servicenow/${key}`).digest('hex').slice(0, 16)}`;
}

/** The ports of the sync. */
export interface SyncPorts {
  readonly table: Pick<TableClient, 'list'>;
  readonly store: SyncStore;
  readonly decisions: DecisionRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Settings of the sync. */
export interface SyncSettings {
  readonly profile: TableProfile;
  readonly mapping: DecisionMapping;
  /** The integration user's name: its writes are the bridge's own. */
  readonly integrationUser: string;
  /** How far before the watermark each run reads again. */
  readonly overlapMs: number;
  /** Where the first run starts, before now. */
  readonly initialLookbackMs: number;
  readonly pageSize: number;
  /** Pages per run at most: the run's share of the per-hour rate limit. */
  readonly maxPages: number;
}

/** What one run did. */
export interface SyncReport {
  readonly read: number;
  readonly exceptions: number;
  readonly unmapped: number;
  readonly refused: number;
  readonly alreadyApplied: number;
  readonly pages: number;
  readonly watermark: string | undefined;
  /** Why the run stopped before the end: the page cap, or ServiceNow's rate limit (until when). */
  readonly stopped?: { readonly why: 'page-cap' } | { readonly why: 'rate-limited'; readonly until: string };
  /** Set when the run did nothing because the sync is paused. */
  readonly pausedUntil?: string;
}

/** Fields the sync reads (dot-walked user names, so requestedBy is a person, not a sys_id). */
export const SYNC_FIELDS = [
  'sys_id',
  'number',
  'state',
  'correlation_id',
  'close_code',
  'close_notes',
  'sys_updated_on',
  'sys_updated_by',
  'resolved_by.user_name',
  'closed_by.user_name',
] as const;

/** One run of the sync. Throws what ServiceNow or the stores throw, after saving what was done. */
export async function syncDecisions(ports: SyncPorts, settings: SyncSettings): Promise<SyncReport> {
  const state = await ports.store.read();
  const now = ports.clock.now();
  if (state.pausedUntil !== undefined && state.pausedUntil > now) {
    return { ...emptyReport(state.watermark), pausedUntil: new Date(state.pausedUntil).toISOString() };
  }
  const from = glideTime(
    state.watermark === undefined
      ? now - settings.initialLookbackMs
      : parseGlideTime(state.watermark) - settings.overlapMs,
  );
  const counts = { read: 0, exceptions: 0, unmapped: 0, refused: 0, alreadyApplied: 0, pages: 0 };
  let watermark = state.watermark;
  for (let page = 0; page < settings.maxPages; page++) {
    let records: TableRecord[];
    try {
      records = await ports.table.list(
        query(from, settings),
        SYNC_FIELDS,
        settings.pageSize,
        page * settings.pageSize,
      );
    } catch (error) {
      if (error instanceof ServiceNowError && error.retryAfterMs !== undefined) {
        const until = ports.clock.now() + error.retryAfterMs;
        await ports.store.pause(until);
        return {
          ...counts,
          watermark,
          stopped: { why: 'rate-limited', until: new Date(until).toISOString() },
        };
      }
      throw error;
    }
    counts.pages++;
    for (const record of records) {
      counts.read++;
      counts[await applyDecision(record, ports, settings)]++;
      if (record.sys_updated_on && (watermark === undefined || record.sys_updated_on > watermark)) {
        watermark = record.sys_updated_on;
      }
    }
    if (watermark !== undefined) await ports.store.advance(watermark);
    if (records.length < settings.pageSize) return { ...counts, watermark };
  }
  return { ...counts, watermark, stopped: { why: 'page-cap' } };
}

function emptyReport(watermark: string | undefined): SyncReport {
  return { read: 0, exceptions: 0, unmapped: 0, refused: 0, alreadyApplied: 0, pages: 0, watermark };
}

/** The encoded query of one run. */
export function query(from: string, settings: SyncSettings): string {
  const user = settings.integrationUser;
  // `^` separates terms: a user name holding one would change the query.
  if (user.includes('^')) throw new Error(`the integration user name ${JSON.stringify(user)} holds "^"`);
  return [
    `correlation_display=${CORRELATION_DISPLAY}`,
    `stateIN${settings.profile.decisionStates.join(',')}`,
    `sys_updated_by!=${user}`,
    `sys_updated_on>=${from}`,
    'ORDERBYsys_updated_on',
    'ORDERBYsys_id',
  ].join('^');
}

type Applied = 'exceptions' | 'unmapped' | 'refused' | 'alreadyApplied';

/** One record being applied: where it is (for the log), its sync key, its finding and when. */
interface Decision {
  readonly record: TableRecord;
  readonly where: { sysId: string | undefined; number: string | undefined; closeCode: string };
  readonly key: string;
  readonly findingId: string;
  readonly at: number;
}

/** record -> owner -> once only -> mapped close code -> justified -> exception recorded. */
async function applyDecision(
  record: TableRecord,
  ports: SyncPorts,
  settings: SyncSettings,
): Promise<Applied> {
  const where = { sysId: record.sys_id, number: record.number, closeCode: record.close_code ?? '' };
  const owner = parseRecordKey(record.correlation_id ?? '');
  if (!owner) {
    ports.logger.warn('a record marked dspm-bridge has a correlation_id the bridge did not write; skipped', {
      ...where,
      correlationId: record.correlation_id,
    });
    return 'refused';
  }
  const key = `${record.sys_id}/${record.close_code ?? ''}`;
  if (await ports.store.applied(key)) return 'alreadyApplied';
  const decision: Decision = { record, where, key, findingId: owner.findingId, at: ports.clock.now() };
  const rule = settings.mapping[record.close_code ?? ''];
  if (!rule) {
    ports.logger.info(
      'finished in ServiceNow with a close code that is no decision; no exception, and the record is not written again',
      { ...where, findingId: owner.findingId },
    );
    await ports.store.markApplied(key, { outcome: 'unmapped', number: record.number, at: decision.at });
    return 'unmapped';
  }
  const request = exceptionRequest(record, owner.tenant, owner.findingId, rule);
  if ('missing' in request) {
    ports.logger.error(
      'decision refused: a mapped close code needs close notes (the justification) and the person who closed it',
      { ...where, findingId: owner.findingId, missing: request.missing },
    );
    await ports.store.markApplied(key, { outcome: 'refused', number: record.number, at: decision.at });
    return 'refused';
  }
  return recordException(decision, request, ports);
}

/** The exception a mapped close code asks for, or which field it lacks (notes, or who closed it). */
function exceptionRequest(
  record: TableRecord,
  tenant: string,
  findingId: string,
  rule: DecisionRule,
): ExceptionRequest | { missing: 'closed_by' | 'close_notes' } {
  const person =
    nonEmpty(record['resolved_by.user_name']) ??
    nonEmpty(record['closed_by.user_name']) ??
    record.sys_updated_by ??
    '';
  const notes = nonEmpty(record.close_notes);
  if (!notes || !person) return { missing: notes ? 'closed_by' : 'close_notes' };
  return {
    tenant,
    scope: { findingId },
    reason: rule.reason,
    justification: notes.length > 2000 ? `${notes.slice(0, 1999)}…` : notes,
    requestedBy: person,
    ...(rule.reason === 'risk-accepted' ? { approvedBy: person } : {}),
    expires: `${rule.days}d`,
    source: 'servicenow',
  };
}

/** Records the exception once (keyed by the record and close code); a refusal is marked, not retried. */
async function recordException(
  decision: Decision,
  request: ExceptionRequest,
  ports: SyncPorts,
): Promise<Applied> {
  const { record, where, key, findingId, at } = decision;
  let exceptionId: string;
  try {
    ({ exceptionId } = await ports.decisions.recordDecision(request, key));
  } catch (error) {
    if (!isRefusal(error)) throw error;
    ports.logger.error('decision refused by the exceptions store', {
      ...where,
      findingId,
      reason: error instanceof Error ? error.message : String(error),
    });
    await ports.store.markApplied(key, { outcome: 'refused', number: record.number, at });
    return 'refused';
  }
  await ports.store.markApplied(key, { outcome: 'exception', exceptionId, number: record.number, at });
  ports.logger.info('decision made in ServiceNow recorded as an exception', {
    ...where,
    findingId,
    exceptionId,
    reason: request.reason,
    requestedBy: request.requestedBy,
    expires: request.expires,
  });
  return 'exceptions';
}

/** A refusal is permanent (the request is invalid): errors that say they are not retryable. */
function isRefusal(error: unknown): boolean {
  return error instanceof BridgeError && !error.retryable;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** ServiceNow's date-time: `yyyy-MM-dd HH:mm:ss`, UTC. */
export function glideTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function parseGlideTime(value: string): number {
  const ms = Date.parse(`${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms))
    throw new Error(`the sync's watermark ${JSON.stringify(value)} is not a ServiceNow date-time`);
  return ms;
}
