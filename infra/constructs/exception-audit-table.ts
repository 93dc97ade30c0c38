/**
 * The exception audit table (stateful: kept on stack deletion, deletion-protected, point-in-time
 * recovery). A table of its own rather than items in the state table: the functions need
 * DeleteItem and UpdateItem on the state table (leases, locks, tag refs), and IAM cannot take
 * those back for some items of a table without a Deny on `dynamodb:LeadingKeys`, which would tie
 * the audit to the state table's key layout. Here the stack grants PutItem and Query and nothing
 * else, so no function can change or delete an entry (test/infra/exception-audit.test.ts), and the
 * code's puts refuse to overwrite (`shared/state/dynamodb-exceptions.ts`).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { AUDIT_TABLE } from '#shared/state/table-design.ts';

/** Where every exception change is recorded, once. */
export class ExceptionAuditTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: AUDIT_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
