/**
 * The backup forwarder: what each member account and region deploys so its AWS Backup events
 * (published on that account's default bus, in that region only) reach the bridge's bus in the
 * central account. One rule per kind of event, targeting the bridge's bus with a role that may
 * `events:PutEvents` on that bus and nothing else, as AWS documents for cross-account and
 * cross-region bus targets; what cannot be delivered lands in a local dead-letter queue.
 *
 * Built to run as a service-managed CloudFormation StackSet: no assets, no lookups, nothing that
 * needs `cdk bootstrap` (the app gives it a bootstrapless synthesizer), no fixed names (one account
 * holds an instance per region). The bridge's bus ARN is a CloudFormation parameter, so one
 * template serves every account and region.
 */
import {
  BootstraplessSynthesizer,
  CfnOutput,
  CfnParameter,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { type CfnRule, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AWS_BACKUP, GENERIC_DETAIL_TYPE } from '#shared/backup/schemas.ts';
import { TAGGER_AWS_BACKUP_DETAIL_TYPES } from './constructs/backup-intake.ts';

/** The stack's name in the CDK app, and the parameter the StackSet passes. */
export const FORWARDER_STACK_ID = 'DspmBridgeBackupForwarder';
export const BRIDGE_BUS_ARN_PARAMETER = 'BridgeEventBusArn';

/**
 * Props of the forwarder. The StackProps defaults differ from a Stack's: `synthesizer` a
 * `BootstraplessSynthesizer` (member accounts and regions are not bootstrapped) and
 * `analyticsReporting` false (the same template lands in every region).
 */
export interface BackupForwarderStackProps extends StackProps {
  /**
   * Sources whose generic `backup-protection-changed` events are forwarded too (the bridge's
   * `backupEventSources`).
   * @default - none: AWS Backup's own events only
   */
  readonly genericSources?: readonly string[] | undefined;
}

/** The rules, role and dead-letter queue one member account and region deploys. */
export class BackupForwarderStack extends Stack {
  readonly bridgeBusArn: CfnParameter;
  readonly awsBackupRule: Rule;
  readonly genericRule: Rule | undefined;
  readonly role: Role;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: BackupForwarderStackProps = {}) {
    super(scope, id, { synthesizer: new BootstraplessSynthesizer(), analyticsReporting: false, ...props });
    const genericSources = props.genericSources ?? [];
    this.bridgeBusArn = new CfnParameter(this, BRIDGE_BUS_ARN_PARAMETER, {
      type: 'String',
      description:
        "ARN of the bridge's event bus in the central account (the DspmBridge stack's EventBusArn output)",
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$',
      constraintDescription:
        'must be an event bus ARN, arn:aws:events:<region>:<account>:event-bus/<name> (the EventBusArn output of DspmBridge)',
    });
    const bridgeBus = EventBus.fromEventBusArn(this, 'BridgeBus', this.bridgeBusArn.valueAsString);

    // One role for both rules; EventBridge assumes it only on behalf of this account's rules.
    this.role = new Role(this, 'ForwardRole', {
      description: "Lets this account's backup-forwarding rules put events on the dspm-bridge bus",
      assumedBy: new ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is the rules' dead-letter queue (their targets' DeadLetterConfig); a queue behind it would only ever be empty.",
    });
    const target = () =>
      new EventBusTarget(bridgeBus, { role: this.role, deadLetterQueue: this.deadLetterQueue });

    this.awsBackupRule = new Rule(this, 'AwsBackupEvents', {
      description: 'Forwards AWS Backup job and recovery point events to the dspm-bridge bus',
      eventPattern: { source: [AWS_BACKUP.source], detailType: [...TAGGER_AWS_BACKUP_DETAIL_TYPES] },
      targets: [target()],
    });
    this.#skipTheBridgesOwnRegion(this.awsBackupRule);
    this.genericRule =
      genericSources.length > 0
        ? new Rule(this, 'GenericBackupEvents', {
            description:
              'Forwards backup-protection-changed events of other backup systems to the dspm-bridge bus',
            eventPattern: { source: [...genericSources], detailType: [GENERIC_DETAIL_TYPE] },
            targets: [target()],
          })
        : undefined;

    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Backup events that could not be delivered to the bridge (check its bus policy)',
    });
  }

  /**
   * The bridge's own account and region already feed AWS Backup's events to the tagger from their
   * default bus, so the instance a StackSet puts there must not send them a second time: the
   * pattern excludes events whose account and region are both the bus's (read from its ARN). An
   * event is forwarded when its account differs or its region does. (A CloudFormation condition
   * would have to split the parameter, which conditions cannot do; an event pattern can hold the
   * intrinsics.) Generic events are forwarded even there: the bridge reads them only from its
   * own bus, never from the default one.
   */
  #skipTheBridgesOwnRegion(rule: Rule): void {
    const arnPart = (index: number) => Fn.select(index, Fn.split(':', this.bridgeBusArn.valueAsString));
    (rule.node.defaultChild as CfnRule).addPropertyOverride('EventPattern.$or', [
      { account: [{ 'anything-but': arnPart(4) }] },
      { region: [{ 'anything-but': arnPart(3) }] },
    ]);
  }
}
