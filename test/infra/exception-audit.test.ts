/**
 * The exception audit trail is append-only in IAM too: no statement of the stack (any role, any
 * policy) grants an action that updates or deletes an item of the audit table, and the table
 * survives the stack and an accidental delete.
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Actions that would change or remove an entry once written. */
const CHANGING = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:RestoreTableFromBackup',
  'dynamodb:ImportTable',
];

const namesAuditTable = (resource: unknown): boolean =>
  JSON.stringify(resource ?? null).includes('ExceptionAuditTable') || resource === '*';

/** Whether an IAM action pattern (`dynamodb:*`, `dynamodb:Update*`, `*`) covers `action`. */
const covers = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

describe('the exception audit table', () => {
  const { template } = synthesize();
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );

  it('is granted to the poller, put and query only', () => {
    const onAudit = statements.filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('ExceptionAuditTable'),
    );
    expect(onAudit.map((s) => [s.Action].flat().sort())).toEqual([['dynamodb:PutItem', 'dynamodb:Query']]);
  });

  it('is granted by no statement an action that updates or deletes an entry', () => {
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue;
      const resources = [statement.Resource].flat();
      if (!resources.some(namesAuditTable)) continue;
      for (const pattern of [statement.Action].flat())
        for (const action of CHANGING)
          expect(covers(pattern, action), `${pattern} covers ${action}`).toBe(false);
    }
  });

  it('is kept on stack deletion, deletion-protected, with point-in-time recovery', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    const [id, table] =
      Object.entries(tables).find(([logicalId]) => logicalId.startsWith('ExceptionAuditTable')) ?? [];
    expect(id).toBeDefined();
    expect(table).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('is named to the poller, which writes the bridge own entries', () => {
    const poller = Object.values(template.findResources('AWS::Lambda::Function')).find((fn) =>
      (fn as { Properties: { Description?: string } }).Properties.Description?.startsWith('Polls'),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(poller.Properties.Environment.Variables.EXCEPTION_AUDIT_TABLE_NAME).toEqual({
      Ref: expect.stringMatching(/^ExceptionAuditTable/),
    });
  });
});
