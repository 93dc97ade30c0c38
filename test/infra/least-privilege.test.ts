/**
 * Each function may send the state table exactly the DynamoDB actions its code sends (see
 * infra/constructs/state-access.ts for where each comes from): no Scan, no stream reads (there is
 * no stream), BatchWrite only for the poller's baseline, index queries only for the tagger.
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const TABLE = { 'Fn::GetAtt': [expect.stringMatching(/^StateTable/), 'Arn'] };
const INDEXES = { 'Fn::Join': ['', [TABLE, '/index/*']] };
const AUDIT = { 'Fn::GetAtt': [expect.stringMatching(/^ExceptionAuditTable/), 'Arn'] };

/** The DynamoDB statements of the function whose logical id starts with `prefix`. */
function dynamoDbStatements(template: ReturnType<typeof synthesize>['template'], prefix: string) {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`${prefix}FunctionServiceRoleDefaultPolicy`))
    .flatMap(
      ([, policy]) =>
        (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    )
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')))
    .map((statement) => ({ actions: [statement.Action].flat().sort(), resource: statement.Resource }));
}

describe('state table permissions', () => {
  const { template } = synthesize();

  it.each([
    [
      'Poller',
      [
        {
          actions: [
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ],
          resource: TABLE,
        },
        { actions: ['dynamodb:PutItem', 'dynamodb:Query'], resource: AUDIT },
      ],
    ],
    [
      'Tagger',
      [
        {
          actions: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          resource: TABLE,
        },
        { actions: ['dynamodb:Query'], resource: INDEXES },
      ],
    ],
    [
      'Coverage',
      [
        {
          actions: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          resource: TABLE,
        },
      ],
    ],
  ])('gives the %s only the actions its code sends', (name, expected) => {
    expect(dynamoDbStatements(template, name)).toEqual(expected);
  });

  it.each(['Poller', 'Tagger', 'Coverage'])('gives the %s no scan, stream or describe actions', (name) => {
    const actions = dynamoDbStatements(template, name).flatMap((s) => s.actions);
    for (const forbidden of [
      'dynamodb:Scan',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:DescribeStream',
      'dynamodb:ListStreams',
      'dynamodb:DescribeTable',
      'dynamodb:ConditionCheckItem',
    ]) {
      expect(actions, forbidden).not.toContain(forbidden);
    }
  });

  it('lets the tagger hold records back on its intake queue (while the token is not set), not elsewhere', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('TaggerFunctionServiceRoleDefaultPolicy'))
      .flatMap(
        ([, policy]) =>
          (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
            .Statement,
      );
    const hold = statements.filter((s) => [s.Action].flat().includes('sqs:ChangeMessageVisibility'));
    expect(hold).toHaveLength(1);
    expect([hold[0]?.Action].flat()).toContain('sqs:GetQueueUrl');
    expect(hold[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BackupIntakeQueue/), 'Arn'] });
  });
});
