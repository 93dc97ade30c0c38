/**
 * The Security Hub export (adapter -> **use case** -> domain): a batch of finding events from SQS
 * becomes at most one ASFF finding per occurrence, imported with BatchImportFindings.
 *
 * read -> keep the newest event per finding -> drop what Security Hub already has newer -> import
 * -> report. A record is acknowledged only when Security Hub accepted its finding (or holds a newer
 * one); a record whose finding is in `FailedFindings`, or whose call failed, is a failure for SQS
 * to redeliver (and, after its receives, to dead-letter). Nothing is dropped silently.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { type SecurityHubTarget, toAsffFinding } from './asff.ts';
import { type FindingEventDetail, parseFindingEvent } from './finding-event.ts';

/** At most this many findings per BatchImportFindings call (AWS's limit). */
export const IMPORT_BATCH_SIZE = 100;

/** Security Hub as the export needs it. */
export interface SecurityHubFindings {
  /** The bridge sequence Security Hub holds for each of these finding Ids (absent: not there). */
  sequencesOf(ids: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Imports up to {@link IMPORT_BATCH_SIZE} findings; returns those Security Hub refused. */
  importFindings(findings: readonly AwsSecurityFinding[]): Promise<readonly RefusedFinding[]>;
}

/** A finding in `FailedFindings`. */
export interface RefusedFinding {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** One SQS record. */
export interface FindingRecord {
  readonly messageId: string;
  readonly body: string;
}

/** What became of each record. */
export interface ExportOutcome {
  /** Imported, by message id, with the ASFF Id. */
  readonly imported: readonly { messageId: string; id: string }[];
  /** Superseded: a newer event of the finding is in the batch or already in Security Hub. */
  readonly stale: readonly { messageId: string; id: string; sequence: number }[];
  /** Not a finding event: never importable, for the dead-letter queue. */
  readonly malformed: readonly { messageId: string; reason: string }[];
  /** Refused or not sent: SQS redelivers these. */
  readonly failed: readonly { messageId: string; id: string; reason: string }[];
}

interface Parsed {
  readonly messageId: string;
  readonly detail: FindingEventDetail;
}

/** Exports one batch. Never throws: a Security Hub error fails the records it concerned. */
export async function exportFindings(
  records: readonly FindingRecord[],
  securityHub: SecurityHubFindings,
  target: SecurityHubTarget,
): Promise<ExportOutcome> {
  const { parsed, malformed } = readRecords(records);
  const { newest, superseded } = newestPerFinding(parsed);
  const current = await currentSequences(securityHub, newest);
  if ('error' in current) {
    return { imported: [], stale: [], malformed, failed: failAll(parsed, current.error) };
  }
  const stale = [...superseded];
  const toImport: Parsed[] = [];
  for (const entry of newest) {
    const held = current.sequences.get(entry.detail.correlationId);
    // Security Hub already shows this event or a later one: importing it would move the finding back.
    if (held !== undefined && held >= entry.detail.sequence) stale.push(staleOf(entry));
    else toImport.push(entry);
  }
  const { imported, failed } = await importAll(securityHub, target, toImport, parsed);
  // A superseded record whose newer sibling failed comes back with it: it is a failure, not stale.
  const failedIds = new Set(failed.map((failure) => failure.messageId));
  return { imported, stale: stale.filter((entry) => !failedIds.has(entry.messageId)), malformed, failed };
}

function readRecords(records: readonly FindingRecord[]) {
  const parsed: Parsed[] = [];
  const malformed: { messageId: string; reason: string }[] = [];
  for (const record of records) {
    const result = parseFindingEvent(record.body);
    if (result.ok) parsed.push({ messageId: record.messageId, detail: result.detail });
    else malformed.push({ messageId: record.messageId, reason: result.reason });
  }
  return { parsed, malformed };
}

/** One event per occurrence: the highest sequence; the others are superseded within the batch. */
function newestPerFinding(parsed: readonly Parsed[]) {
  const byId = new Map<string, Parsed>();
  const superseded: { messageId: string; id: string; sequence: number }[] = [];
  for (const entry of parsed) {
    const seen = byId.get(entry.detail.correlationId);
    if (!seen || entry.detail.sequence > seen.detail.sequence) {
      if (seen) superseded.push(staleOf(seen));
      byId.set(entry.detail.correlationId, entry);
    } else {
      superseded.push(staleOf(entry));
    }
  }
  return { newest: [...byId.values()], superseded };
}

async function currentSequences(
  securityHub: SecurityHubFindings,
  newest: readonly Parsed[],
): Promise<{ sequences: ReadonlyMap<string, number> } | { error: string }> {
  if (newest.length === 0) return { sequences: new Map() };
  try {
    return { sequences: await securityHub.sequencesOf(newest.map((entry) => entry.detail.correlationId)) };
  } catch (error) {
    return { error: `could not read the findings Security Hub holds: ${describe(error)}` };
  }
}

async function importAll(
  securityHub: SecurityHubFindings,
  target: SecurityHubTarget,
  toImport: readonly Parsed[],
  parsed: readonly Parsed[],
) {
  const imported: { messageId: string; id: string }[] = [];
  const failed: { messageId: string; id: string; reason: string }[] = [];
  for (let start = 0; start < toImport.length; start += IMPORT_BATCH_SIZE) {
    const chunk = toImport.slice(start, start + IMPORT_BATCH_SIZE);
    let refused: readonly RefusedFinding[];
    try {
      refused = await securityHub.importFindings(chunk.map((entry) => toAsffFinding(entry.detail, target)));
    } catch (error) {
      // Every record of these findings (the superseded ones too) comes back, so none is lost.
      failed.push(
        ...failAll(withSameFindings(parsed, chunk), `BatchImportFindings failed: ${describe(error)}`),
      );
      continue;
    }
    const refusedById = new Map(refused.map((r) => [r.id, r]));
    for (const entry of chunk) {
      const refusal = refusedById.get(entry.detail.correlationId);
      if (!refusal) {
        imported.push({ messageId: entry.messageId, id: entry.detail.correlationId });
        continue;
      }
      const reason = `Security Hub refused the finding: ${refusal.code}: ${refusal.message}`;
      failed.push(...failAll(withSameFindings(parsed, [entry]), reason));
    }
  }
  return { imported, failed };
}

/** The records of `parsed` about the same occurrences as `entries`. */
function withSameFindings(parsed: readonly Parsed[], entries: readonly Parsed[]): Parsed[] {
  const ids = new Set(entries.map((entry) => entry.detail.correlationId));
  return parsed.filter((entry) => ids.has(entry.detail.correlationId));
}

function failAll(entries: readonly Parsed[], reason: string) {
  return entries.map((entry) => ({ messageId: entry.messageId, id: entry.detail.correlationId, reason }));
}

function staleOf(entry: Parsed) {
  return { messageId: entry.messageId, id: entry.detail.correlationId, sequence: entry.detail.sequence };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
