/**
 * The Security Hub port on the AWS SDK: GetFindings to learn the sequence a finding holds now,
 * BatchImportFindings to create or update findings in place.
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { SEQUENCE_FIELD } from '../securityhub/asff.ts';
import type { RefusedFinding, SecurityHubFindings } from '../securityhub/export-findings.ts';

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

  async sequencesOf(ids: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const wanted = new Set(ids);
    const sequences = new Map<string, number>();
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
          if (Number.isInteger(sequence))
            sequences.set(finding.Id, Math.max(sequence, sequences.get(finding.Id) ?? 0));
        }
        nextToken = response.NextToken || undefined;
        if (!nextToken) break;
      }
    }
    return sequences;
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
