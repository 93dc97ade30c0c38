/**
 * The Security Hub export (adapter -> **use case** -> domain): a batch of finding events from SQS
 * becomes at most one ASFF finding per occurrence, imported with BatchImportFindings, and the
 * workflow of a finding that became suppressed or came back set with BatchUpdateFindings.
 *
 * read -> keep the newest event per finding -> drop what Security Hub already has newer -> import
 * -> set the workflows that changed -> report. A record is acknowledged only when Security Hub
 * accepted its finding and, where its status changed, its workflow (or holds a newer one); a record
 * whose finding is in `FailedFindings` or `UnprocessedFindings`, or whose call failed, is a failure
 * for SQS to redeliver (and, after its receives, to dead-letter). Nothing is dropped silently.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { FindingDetailType } from '../events/detail-types.ts';
import { type SecurityHubTarget, toAsffFinding } from './asff.ts';
import { type FindingEventDetail, readSecurityHubFinding } from './finding-view.ts';
import { type HeldFinding, type WorkflowUpdate, workflowUpdateOf } from './workflow.ts';

/** At most this many findings per BatchImportFindings call (AWS's limit). */
export const IMPORT_BATCH_SIZE = 100;

/** Security Hub as the export needs it. */
export interface SecurityHubFindings {
  /** What Security Hub holds of each of these finding Ids (absent: not there). */
  heldFindings(ids: readonly string[]): Promise<ReadonlyMap<string, HeldFinding>>;
  /** Imports up to {@link IMPORT_BATCH_SIZE} findings; returns those Security Hub refused. */
  importFindings(findings: readonly AwsSecurityFinding[]): Promise<readonly RefusedFinding[]>;
  /** Sets workflow status and note (BatchUpdateFindings); returns those Security Hub did not process. */
  updateWorkflows(updates: readonly WorkflowUpdate[]): Promise<readonly RefusedFinding[]>;
}

/** A finding in `FailedFindings` (import) or `UnprocessedFindings` (update). */
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
  /** Workflows set, by the message id of the event that asked. */
  readonly workflows: readonly { messageId: string; id: string; status: WorkflowUpdate['status'] }[];
  /** Superseded: a newer event of the finding is in the batch or already in Security Hub. */
  readonly stale: readonly { messageId: string; id: string; sequence: number }[];
  /** Not a finding event: never importable, for the dead-letter queue. */
  readonly malformed: readonly { messageId: string; reason: string }[];
  /** Refused or not sent: SQS redelivers these. */
  readonly failed: readonly { messageId: string; id: string; reason: string }[];
}

interface Parsed {
  readonly messageId: string;
  readonly detailType: FindingDetailType;
  readonly detail: FindingEventDetail;
}

type Failure = { messageId: string; id: string; reason: string };

/** Exports one batch. Never throws: a Security Hub error fails the records it concerned. */
export async function exportFindings(
  records: readonly FindingRecord[],
  securityHub: SecurityHubFindings,
  target: SecurityHubTarget,
): Promise<ExportOutcome> {
  const { parsed, malformed } = readRecords(records);
  const { newest, superseded } = newestPerFinding(parsed);
  const current = await heldFindings(securityHub, newest);
  if ('error' in current) {
    return { imported: [], workflows: [], stale: [], malformed, failed: failAll(parsed, current.error) };
  }
  const stale = [...superseded];
  const toImport: { entry: Parsed; mode: 'create' | 'update' }[] = [];
  const wanted: { entry: Parsed; update: WorkflowUpdate }[] = [];
  for (const entry of newest) {
    const held = current.held.get(entry.detail.correlationId);
    // Security Hub already shows a later event: importing this one would move the finding back.
    if (held !== undefined && held.sequence > entry.detail.sequence) {
      stale.push(staleOf(entry));
      continue;
    }
    const update = workflowUpdateOf(entry.detailType, entry.detail, held);
    if (update) wanted.push({ entry, update });
    if (held === undefined) toImport.push({ entry, mode: 'create' });
    else if (held.sequence < entry.detail.sequence) toImport.push({ entry, mode: 'update' });
    else if (!update) stale.push(staleOf(entry));
  }
  const { imported, failed } = await importAll(securityHub, target, toImport, parsed);
  // A workflow is set only on a finding Security Hub holds: not on one whose import just failed.
  const importFailed = new Set(failed.map((failure) => failure.id));
  const workflows = await updateAll(
    securityHub,
    wanted.filter(({ entry }) => !importFailed.has(entry.detail.correlationId)),
    parsed,
    failed,
  );
  // A superseded record whose newer sibling failed comes back with it: it is a failure, not stale.
  const failedIds = new Set(failed.map((failure) => failure.messageId));
  const kept = <T extends { messageId: string }>(list: readonly T[]) =>
    list.filter((entry) => !failedIds.has(entry.messageId));
  return { imported: kept(imported), workflows, stale: kept(stale), malformed, failed };
}

function readRecords(records: readonly FindingRecord[]) {
  const parsed: Parsed[] = [];
  const malformed: { messageId: string; reason: string }[] = [];
  for (const record of records) {
    const result = readSecurityHubFinding(record);
    if (result.ok) {
      const { detailType, detail } = result.value;
      parsed.push({ messageId: record.messageId, detailType, detail });
    } else malformed.push({ messageId: record.messageId, reason: result.reason });
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

async function heldFindings(
  securityHub: SecurityHubFindings,
  newest: readonly Parsed[],
): Promise<{ held: ReadonlyMap<string, HeldFinding> } | { error: string }> {
  if (newest.length === 0) return { held: new Map() };
  try {
    return { held: await securityHub.heldFindings(newest.map((entry) => entry.detail.correlationId)) };
  } catch (error) {
    return { error: `could not read the findings Security Hub holds: ${describe(error)}` };
  }
}

/** Sets each wanted workflow; a refusal or a failed call fails every record of that finding. */
async function updateAll(
  securityHub: SecurityHubFindings,
  wanted: readonly { entry: Parsed; update: WorkflowUpdate }[],
  parsed: readonly Parsed[],
  failed: Failure[],
) {
  if (wanted.length === 0) return [];
  let refused: readonly RefusedFinding[];
  try {
    refused = await securityHub.updateWorkflows(wanted.map(({ update }) => update));
  } catch (error) {
    const entries = withSameFindings(
      parsed,
      wanted.map(({ entry }) => entry),
    );
    failed.push(...failAll(entries, `BatchUpdateFindings failed: ${describe(error)}`));
    return [];
  }
  const refusedById = new Map(refused.map((r) => [r.id, r]));
  const workflows: ExportOutcome['workflows'][number][] = [];
  for (const { entry, update } of wanted) {
    const refusal = refusedById.get(update.id);
    if (!refusal) {
      workflows.push({ messageId: entry.messageId, id: update.id, status: update.status });
      continue;
    }
    const reason = `Security Hub did not set the workflow to ${update.status}: ${refusal.code}: ${refusal.message}`;
    failed.push(...failAll(withSameFindings(parsed, [entry]), reason));
  }
  return workflows;
}

async function importAll(
  securityHub: SecurityHubFindings,
  target: SecurityHubTarget,
  toImport: readonly { entry: Parsed; mode: 'create' | 'update' }[],
  parsed: readonly Parsed[],
) {
  const imported: { messageId: string; id: string }[] = [];
  const failed: Failure[] = [];
  for (let start = 0; start < toImport.length; start += IMPORT_BATCH_SIZE) {
    const chunk = toImport.slice(start, start + IMPORT_BATCH_SIZE);
    const entries = chunk.map(({ entry }) => entry);
    let refused: readonly RefusedFinding[];
    try {
      refused = await securityHub.importFindings(
        chunk.map(({ entry, mode }) => toAsffFinding(entry.detail, target, mode)),
      );
    } catch (error) {
      // Every record of these findings (the superseded ones too) comes back, so none is lost.
      failed.push(
        ...failAll(withSameFindings(parsed, entries), `BatchImportFindings failed: ${describe(error)}`),
      );
      continue;
    }
    const refusedById = new Map(refused.map((r) => [r.id, r]));
    for (const entry of entries) {
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

function failAll(entries: readonly Parsed[], reason: string): Failure[] {
  return entries.map((entry) => ({ messageId: entry.messageId, id: entry.detail.correlationId, reason }));
}

function staleOf(entry: Parsed) {
  return { messageId: entry.messageId, id: entry.detail.correlationId, sequence: entry.detail.sequence };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
