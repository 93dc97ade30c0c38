/**
 * Finding events as ASFF: every condition and stage keeps AWS's ASFF rules (checked strictly,
 * test/peers/security-hub/asff-rules.ts), one Id per occurrence, archived on resolve, the store's
 * ARN as the resource when it can be derived.
 */
import { describe, expect, it } from 'vitest';
import { FINDING_CONDITIONS } from '#shared/events/contract.ts';
import { toAsffFinding } from '#shared/securityhub/asff.ts';
import { readSecurityHubFinding } from '#shared/securityhub/finding-view.ts';
import { findingDetail, lifecycle, RDS_STORE, RDS_STORE_ARN } from '../../helpers/finding-events.ts';
import { asffViolations } from '../../peers/security-hub/asff-rules.ts';

const TARGET = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

describe('toAsffFinding', () => {
  it.each(FINDING_CONDITIONS)('keeps the ASFF rules for a %s finding at every stage', (condition) => {
    for (const detail of lifecycle().map((d) => ({ ...d, condition }))) {
      expect(asffViolations(toAsffFinding(detail, TARGET, 'create'))).toEqual([]);
    }
  });

  it('names one finding per occurrence in the account default product', () => {
    const a = toAsffFinding(findingDetail({ occurrence: 1 }), TARGET, 'create');
    const b = toAsffFinding(findingDetail({ occurrence: 2, sequence: 4 }), TARGET, 'create');
    expect(a.Id).toBe('example.goskope.com/data-store/1/finding/high-risk/1');
    expect(b.Id).toBe('example.goskope.com/data-store/1/finding/high-risk/2');
    expect(a.ProductArn).toBe('arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default');
    expect(a.AwsAccountId).toBe('123456789012');
    expect(a.GeneratorId).toBe('dspm-bridge/high-risk');
  });

  it('is ACTIVE while open, ARCHIVED when resolved, never sends Workflow, and carries the sequence', () => {
    const [opened, updated, resolved] = lifecycle().map((d) => toAsffFinding(d, TARGET, 'create'));
    expect([opened?.RecordState, updated?.RecordState, resolved?.RecordState]).toEqual([
      'ACTIVE',
      'ACTIVE',
      'ARCHIVED',
    ]);
    expect([opened, updated, resolved].map((f) => f?.Workflow)).toEqual([undefined, undefined, undefined]);
    expect([opened, updated, resolved].map((f) => f?.ProductFields?.['dspm-bridge/sequence'])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(updated?.FindingProviderFields?.Severity).toEqual({ Label: 'CRITICAL', Original: 'critical' });
    expect(updated?.Severity?.Label).toBe('CRITICAL');
    expect(resolved?.CreatedAt).toBe(opened?.CreatedAt);
    expect(resolved?.UpdatedAt).toBe('2026-11-22T10:30:00.000Z');
    expect(resolved?.Description).toContain('Resolved at 2026-11-22T10:30:00.000Z (condition-cleared)');
  });

  it("names the store's ARN as an RDS instance resource", () => {
    const finding = toAsffFinding(findingDetail(), TARGET, 'create');
    expect(finding.Resources).toEqual([
      expect.objectContaining({
        Type: 'AwsRdsDbInstance',
        Id: RDS_STORE_ARN,
        Partition: 'aws',
        Region: 'us-west-2',
      }),
    ]);
  });

  it('names a store outside AWS as Other, by tenant and id', () => {
    const store = { ...RDS_STORE, id: 7, endpoint: 'sql.example.com:1433', region: null, accountId: null };
    const finding = toAsffFinding(findingDetail({ dataStore: store }), TARGET, 'create');
    expect(finding.Resources?.[0]).toMatchObject({
      Type: 'Other',
      Id: 'example.goskope.com/data-store/7',
      Region: 'us-east-1',
      Details: { Other: expect.objectContaining({ endpoint: 'sql.example.com:1433', dataStoreId: '7' }) },
    });
    expect(asffViolations(finding)).toEqual([]);
  });

  it('marks a test event in its title and product fields', () => {
    const finding = toAsffFinding(findingDetail({ test: true }), TARGET, 'create');
    expect(finding.Title?.startsWith('[test] ')).toBe(true);
    expect(finding.ProductFields?.['dspm-bridge/test']).toBe('true');
  });

  it('cuts a long title and description to the ASFF limits', () => {
    const finding = toAsffFinding(findingDetail({ title: 'x'.repeat(2000) }), TARGET, 'create');
    expect(finding.Title).toHaveLength(256);
    expect(finding.Description?.length).toBeLessThanOrEqual(1024);
    expect(asffViolations(finding)).toEqual([]);
  });
});

describe('readSecurityHubFinding', () => {
  const event = (detail: object, detailType = 'data-store-finding-opened') =>
    JSON.stringify({ id: 'e1', 'detail-type': detailType, source: 'netskope.dspm', detail });

  it('reads a finding event', () => {
    expect(readSecurityHubFinding({ messageId: 'm1', body: event(findingDetail()) })).toMatchObject({
      ok: true,
      value: { detail: { sequence: 1 } },
    });
  });

  it.each([
    ['not JSON', '{', 'the message body is not JSON'],
    ['another detail type', event(findingDetail(), 'data-store-risk-changed'), 'detail-type'],
    ['no sequence', event({ ...findingDetail(), sequence: undefined }), 'detail.sequence'],
    ['an unknown condition', event({ ...findingDetail(), condition: 'sad' }), 'detail.condition'],
  ])('names what is wrong with %s', (_name, body, expected) => {
    const result = readSecurityHubFinding({ messageId: 'm1', body });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(expected);
  });
});
