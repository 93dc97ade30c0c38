/**
 * A suppressed finding in Security Hub: which workflow change each newest event asks for, given
 * what Security Hub holds, and the shape of an update import (Severity and Types through
 * FindingProviderFields only, as AWS asks of providers).
 */
import { describe, expect, it } from 'vitest';
import type { FindingDetailType } from '#shared/events/detail-types.ts';
import { toAsffFinding } from '#shared/securityhub/asff.ts';
import type { FindingEventDetail } from '#shared/securityhub/finding-view.ts';
import { type HeldFinding, NOTE_MAX, workflowUpdateOf } from '#shared/securityhub/workflow.ts';
import { findingDetail } from '../../helpers/finding-events.ts';
import { findingException } from '../../helpers/suppressed-finding-events.ts';
import { asffViolations, providerUpdateViolations } from '../../peers/security-hub/asff-rules.ts';

const TARGET = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const ID = 'example.goskope.com/data-store/1/finding/high-risk/1';

const suppressed = findingDetail({ status: 'suppressed', sequence: 2, exception: findingException() });
const updatedWhileSuppressed = findingDetail({
  status: 'suppressed',
  sequence: 3,
  severity: 'critical',
  previousSeverity: 'high',
  exception: findingException(),
});
const unsuppressed = findingDetail({ status: 'open', sequence: 4, exception: findingException() });
const updatedOpen = findingDetail({
  status: 'open',
  sequence: 5,
  severity: 'critical',
  previousSeverity: 'high',
});

const held = (sequence: number, status: string, workflowStatus: string): HeldFinding => ({
  sequence,
  status,
  workflowStatus,
});

describe('the workflow a suppressed finding gets in Security Hub', () => {
  it.each<[string, FindingDetailType, FindingEventDetail, HeldFinding | undefined, string | undefined]>([
    [
      'an open finding becomes suppressed',
      'data-store-finding-suppressed',
      suppressed,
      held(1, 'open', 'NEW'),
      'SUPPRESSED',
    ],
    [
      'a finding opens already suppressed',
      'data-store-finding-opened',
      findingDetail({ status: 'suppressed', exception: findingException() }),
      undefined,
      'SUPPRESSED',
    ],
    [
      'a suppression and an update in one batch',
      'data-store-finding-updated',
      updatedWhileSuppressed,
      held(1, 'open', 'NEW'),
      'SUPPRESSED',
    ],
    [
      'an update while suppressed (the analyst chose NOTIFIED)',
      'data-store-finding-updated',
      updatedWhileSuppressed,
      held(2, 'suppressed', 'NOTIFIED'),
      undefined,
    ],
    [
      'a redelivered suppression whose workflow did not follow',
      'data-store-finding-suppressed',
      suppressed,
      held(2, 'suppressed', 'NEW'),
      'SUPPRESSED',
    ],
    [
      'a redelivered suppression already applied',
      'data-store-finding-suppressed',
      suppressed,
      held(2, 'suppressed', 'SUPPRESSED'),
      undefined,
    ],
    [
      'the exception ends',
      'data-store-finding-unsuppressed',
      unsuppressed,
      held(3, 'suppressed', 'SUPPRESSED'),
      'NEW',
    ],
    [
      'an unsuppression and an update in one batch',
      'data-store-finding-updated',
      updatedOpen,
      held(3, 'suppressed', 'SUPPRESSED'),
      'NEW',
    ],
    [
      'a redelivered unsuppression whose workflow did not follow',
      'data-store-finding-unsuppressed',
      unsuppressed,
      held(4, 'open', 'SUPPRESSED'),
      'NEW',
    ],
    [
      'an update of an open finding',
      'data-store-finding-updated',
      updatedOpen,
      held(4, 'open', 'NOTIFIED'),
      undefined,
    ],
    [
      'a finding Security Hub never held comes back',
      'data-store-finding-unsuppressed',
      unsuppressed,
      undefined,
      undefined,
    ],
  ])('%s: %s', (_, type, detail, heldNow, status) => {
    expect(workflowUpdateOf(type, detail, heldNow)?.status).toBe(status);
  });

  it('notes the exception id, reason, expiry, who and why on SUPPRESSED, within 512 characters', () => {
    const long = findingDetail({
      status: 'suppressed',
      exception: findingException({ justification: 'x'.repeat(2000) }),
    });
    const update = workflowUpdateOf('data-store-finding-suppressed', suppressed, undefined);
    expect(update).toEqual({
      id: ID,
      status: 'SUPPRESSED',
      note: 'Suppressed by exception exc-0123456789abcdef (risk-accepted) until 2027-02-20T10:30:00.000Z; requested by alice@example.com, approved by ciso@example.com: The database is being decommissioned in Q1; access is limited to the DBA role.',
    });
    expect(workflowUpdateOf('data-store-finding-opened', long, undefined)?.note.length).toBe(NOTE_MAX);
  });

  it('notes how the exception ended on NEW', () => {
    const revoked = findingDetail({
      status: 'open',
      sequence: 4,
      exception: findingException({ revokedAt: '2026-12-01T09:00:00.000Z', revokedBy: 'bob@example.com' }),
    });
    expect(
      workflowUpdateOf('data-store-finding-unsuppressed', unsuppressed, held(3, 'suppressed', 'SUPPRESSED'))
        ?.note,
    ).toBe(
      'Exception exc-0123456789abcdef (risk-accepted) expired at 2027-02-20T10:30:00.000Z: the finding is open again.',
    );
    expect(
      workflowUpdateOf('data-store-finding-unsuppressed', revoked, held(3, 'suppressed', 'SUPPRESSED'))?.note,
    ).toBe(
      'Exception exc-0123456789abcdef (risk-accepted) was revoked at 2026-12-01T09:00:00.000Z by bob@example.com: the finding is open again.',
    );
  });
});

describe('an update import', () => {
  it('carries Severity and Types in FindingProviderFields only, and the bridge status', () => {
    // Act
    const update = toAsffFinding(updatedWhileSuppressed, TARGET, 'update');
    const create = toAsffFinding(updatedWhileSuppressed, TARGET, 'create');
    // Assert
    expect(update.Severity).toBeUndefined();
    expect(update.Types).toBeUndefined();
    expect(update.FindingProviderFields).toEqual({
      Severity: { Label: 'CRITICAL', Original: 'critical' },
      Types: ['Sensitive Data Identifications/Security/DSPM High Risk Data Store'],
    });
    expect(update.ProductFields).toMatchObject({
      'dspm-bridge/status': 'suppressed',
      'dspm-bridge/exceptionId': 'exc-0123456789abcdef',
    });
    expect(update.Workflow).toBeUndefined();
    expect(update.Note).toBeUndefined();
    expect(asffViolations(update, undefined, true)).toEqual([]);
    // The strict rules refuse the create shape as an update: what a regression would send.
    expect(providerUpdateViolations(create)).toEqual([
      'a provider updates Severity through FindingProviderFields, not the top-level Severity',
      'a provider updates Types through FindingProviderFields, not the top-level Types',
    ]);
  });
});
