/**
 * The state table (stateful: kept on stack deletion): on-demand, point-in-time recovery, TTL for
 * tombstones, leases and locks, and the two indexes of `shared/state/table-design.ts`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE } from '#shared/state/table-design.ts';

/** The bridge's DynamoDB table. */
export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: STATE_TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, key] of [
      [STATE_TABLE.endpointIndex, STATE_TABLE.endpointKey],
      [STATE_TABLE.resourceIndex, STATE_TABLE.resourceKey],
    ] as const) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: key, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
