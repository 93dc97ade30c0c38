/**
 * Optional notification targets on the bridge's bus, through EventBridge API destinations (no
 * code to run): the ServiceNow Table API (Slack has its own construct, slack-notification.ts). Each has an invocation rate
 * limit, retries and a dead-letter queue. Credentials stay in Secrets Manager (the connection
 * reads them at deploy time; they never reach the template in plain text).
 */
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventField,
  HttpMethod,
  type IEventBus,
  Rule,
  RuleTargetInput,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES } from '#shared/events/contract.ts';

/** The `detail` pattern ServiceNow acts on: high or critical risk, encryption off, a store made public. */
export function notifiablePatternDetail() {
  return {
    $or: [
      { severity: ['high', 'critical'] },
      { changedFields: ['encryption'], current: { encryption: ['Off'] } },
      { changedFields: ['publicly_inaccessible'], current: { publicly_inaccessible: ['Off'] } },
    ],
  };
}

/** Props of the ServiceNow target. */
export interface ServiceNowNotificationProps {
  readonly bus: IEventBus;
  readonly source: string;
  readonly instanceUrl: string;
  readonly table: string;
  /** Secret with JSON `{"username": ..., "password": ...}`. */
  readonly credentialsSecretArn: string;
  readonly invocationsPerSecond: number;
}

/** Risk changes as ServiceNow records, coalesced per store by `correlation_id`. */
export class ServiceNowNotification extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ServiceNowNotificationProps) {
    super(scope, id);
    const connection = new Connection(this, 'Connection', {
      description: 'ServiceNow user for dspm-bridge',
      authorization: Authorization.basic(
        SecretValue.secretsManager(props.credentialsSecretArn, { jsonField: 'username' }).unsafeUnwrap(),
        SecretValue.secretsManager(props.credentialsSecretArn, { jsonField: 'password' }),
      ),
    });
    const { rule, deadLetterQueue } = notifyThrough(this, {
      connection,
      endpoint: `${props.instanceUrl.replace(/\/+$/, '')}/api/now/table/${props.table}`,
      invocationsPerSecond: props.invocationsPerSecond,
      bus: props.bus,
      source: props.source,
      description: 'High or critical DSPM risk, encryption off, or a store made public, to ServiceNow',
      input: RuleTargetInput.fromObject({
        short_description: `DSPM ${EventField.fromPath('$.detail.severity')} risk: ${EventField.fromPath('$.detail.dataStore.name')}`,
        description: `Data store ${EventField.fromPath('$.detail.dataStore.endpoint')} changed: ${EventField.fromPath('$.detail.changedFields')}`,
        correlation_id: EventField.fromPath('$.detail.correlationId'),
        correlation_display: 'dspm-bridge',
        category: 'security',
      }),
    });
    this.rule = rule;
    this.deadLetterQueue = deadLetterQueue;
  }
}

/**
 * The part both targets share: a rate-limited API destination through `connection`, a rule on the
 * bus matching `notifiablePatternDetail`, retries for two hours, and a dead-letter queue.
 */
function notifyThrough(
  scope: Construct,
  props: {
    connection: Connection;
    endpoint: string;
    invocationsPerSecond: number;
    bus: IEventBus;
    source: string;
    description: string;
    input: RuleTargetInput;
  },
): { rule: Rule; deadLetterQueue: Queue } {
  const destination = new ApiDestination(scope, 'Destination', {
    connection: props.connection,
    endpoint: props.endpoint,
    httpMethod: HttpMethod.POST,
    rateLimitPerSecond: props.invocationsPerSecond,
  });
  const queue = deadLetterQueue(scope);
  const rule = new Rule(scope, 'Rule', {
    description: props.description,
    eventBus: props.bus,
    eventPattern: {
      source: [props.source],
      detailType: [DETAIL_TYPES.riskChanged],
      detail: notifiablePatternDetail(),
    },
    targets: [
      new ApiDestinationTarget(destination, {
        event: props.input,
        deadLetterQueue: queue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(2),
      }),
    ],
  });
  return { rule, deadLetterQueue: queue };
}

function deadLetterQueue(scope: Construct): Queue {
  const queue = new Queue(scope, 'DeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: "This queue is the rule target's dead-letter queue (cdk-nag does not see target DLQs).",
  });
  return queue;
}
