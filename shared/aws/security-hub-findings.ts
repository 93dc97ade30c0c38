/**
 * The Security Hub port on the AWS SDK: GetFindings to learn what a finding holds now (the
 * bridge's sequence and status, the workflow), BatchImportFindings to create or update findings in
 * place, BatchUpdateFindings to set the workflow and note of findings an exception covers or
 * stopped covering (the call AWS documents for that, in the account that owns the findings).
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { SEQUENCE_FIELD, STATUS_FIELD } from '../securityhub/asff.ts';
import type { RefusedFinding, SecurityHubFindings } from '../securityhub/export-findings.ts';
import { type HeldFinding, NOTE_AUTHOR, type WorkflowUpdate } from '../securityhub/workflow.ts';

/** Filter values per GetFindings call: few, so one page normally holds every answer. */
const IDS_PER_QUERY = 20;
/** Pages read per query at most: a bound, even against a service that ignores the filter. */
const MAX_PAGES = 20;

/** The port against one product's findings. */
export class SdkSecurityHubFindings implements SecurityHubFindings {
  readonly #client: SecurityHubClient;
  readonly #productArn: string;

  constructor(client: SecurityHubClient, productArn: string) {
    this.#client = client;
    this.#productArn = productArn;
  }

  async heldFindings(ids: readonly string[]): Promise<ReadonlyMap<string, HeldFinding>> {
    const wanted = new Set(ids);
    const held = new Map<string, HeldFinding>();
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const chunk = ids.slice(start, start + IDS_PER_QUERY);
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const response = await this.#client.send(
          new GetFindingsCommand({
            Filters: {
              ProductArn: [{ Value: this.#productArn, Comparison: 'EQUALS' }],
              Id: chunk.map((id) => ({ Value: id, Comparison: 'EQUALS' })),
            },
            MaxResults: 100,
            NextToken: nextToken,
          }),
        );
        for (const finding of response.Findings ?? []) {
          // Matched again here: the filter is the service's to apply, the decision is ours.
          if (!finding.Id || !wanted.has(finding.Id) || finding.ProductArn !== this.#productArn) continue;
          const sequence = Number(finding.ProductFields?.[SEQUENCE_FIELD]);
          if (!Number.isInteger(sequence) || sequence <= (held.get(finding.Id)?.sequence ?? 0)) continue;
          held.set(finding.Id, {
            sequence,
            status: finding.ProductFields?.[STATUS_FIELD],
            workflowStatus: finding.Workflow?.Status,
          });
        }
        nextToken = response.NextToken || undefined;
        if (!nextToken) break;
      }
    }
    return held;
  }

  async updateWorkflows(updates: readonly WorkflowUpdate[]): Promise<readonly RefusedFinding[]> {
    const refused: RefusedFinding[] = [];
    // One call per finding: BatchUpdateFindings gives every finding of a call the same note, and
    // each note names its own exception. Suppressions are rare; the calls stay few.
    for (const update of updates) {
      const response = await this.#client.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [{ Id: update.id, ProductArn: this.#productArn }],
          Workflow: { Status: update.status },
          Note: { Text: update.note, UpdatedBy: NOTE_AUTHOR },
        }),
      );
      const processed = (response.ProcessedFindings ?? []).some((f) => f.Id === update.id);
      const unprocessed = response.UnprocessedFindings?.find((f) => f.FindingIdentifier?.Id === update.id);
      if (unprocessed || !processed) {
        refused.push({
          id: update.id,
          code: unprocessed?.ErrorCode ?? 'NotProcessed',
          message:
            unprocessed?.ErrorMessage ?? 'Security Hub listed the finding neither processed nor unprocessed',
        });
      }
    }
    return refused;
  }

  async importFindings(findings: readonly AwsSecurityFinding[]): Promise<readonly RefusedFinding[]> {
    if (findings.length === 0) return [];
    const response = await this.#client.send(new BatchImportFindingsCommand({ Findings: [...findings] }));
    const refused = (response.FailedFindings ?? []).map((failure) => ({
      id: failure.Id ?? '',
      code: failure.ErrorCode ?? 'Unknown',
      message: failure.ErrorMessage ?? '',
    }));
    // A count that disagrees with the list would hide refusals: treat every finding as refused then.
    if ((response.FailedCount ?? 0) > refused.length) {
      return findings.map((finding) => ({
        id: finding.Id ?? '',
        code: 'FailedCountMismatch',
        message: `Security Hub reported ${response.FailedCount} failed findings but listed ${refused.length}`,
      }));
    }
    return refused;
  }
}
