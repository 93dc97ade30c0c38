/**
 * Optional fixed egress: a VPC whose private subnets reach the internet through one NAT gateway on
 * an Elastic IP, so a tenant's IP allowlist can name the bridge. Flow logs go to CloudWatch.
 */
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  NatProvider,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The egress VPC and its address. */
export class FixedEgress extends Construct {
  readonly vpc: Vpc;
  readonly elasticIp: CfnEIP;

  constructor(scope: Construct, id: string, props: { logRetention: RetentionDays }) {
    super(scope, id);
    this.elasticIp = new CfnEIP(this, 'EgressIp', { domain: 'vpc' });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [this.elasticIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'FlowLogs', {
              retention: props.logRetention,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
    });
    new CfnOutput(this, 'EgressIpAddress', {
      value: this.elasticIp.attrPublicIp,
      description: "Add this address to the Netskope tenant's IP allowlist",
    });
  }
}
