/**
 * Optional notification targets on the bridge's bus, through EventBridge API destinations (no
 * code to run): Slack `chat.postMessage`. It has an invocation rate
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

/** The `detail` pattern Slack acts on: high or critical risk, encryption off, a store made public. */
export function notifiablePatternDetail() {
  return {
    $or: [
      { severity: ['high', 'critical'] },
      { changedFields: ['encryption'], current: { encryption: ['Off'] } },
      { changedFields: ['publicly_inaccessible'], current: { publicly_inaccessible: ['Off'] } },
    ],
  };
}

/** Props of the Slack target. */
export interface SlackNotificationProps {
  readonly bus: IEventBus;
  readonly source: string;
  readonly channel: string;
  /** Secret whose value is `Bearer xoxb-...` (the header Slack expects). */
  readonly botTokenSecretArn: string;
  readonly invocationsPerSecond: number;
}

/** Risk changes worth a person's attention, posted to a Slack channel. */
export class SlackNotification extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SlackNotificationProps) {
    super(scope, id);
    const connection = new Connection(this, 'Connection', {
      description: 'Slack bot token for dspm-bridge',
      authorization: Authorization.apiKey(
        'Authorization',
        SecretValue.secretsManager(props.botTokenSecretArn),
      ),
    });
    const { rule, deadLetterQueue } = notifyThrough(this, {
      connection,
      endpoint: 'https://slack.com/api/chat.postMessage',
      invocationsPerSecond: props.invocationsPerSecond,
      bus: props.bus,
      source: props.source,
      description: 'High or critical DSPM risk, encryption off, or a store made public, to Slack',
      input: RuleTargetInput.fromObject({
        channel: props.channel,
        text:
          `DSPM ${EventField.fromPath('$.detail.severity')} risk on ${EventField.fromPath('$.detail.dataStore.name')} ` +
          `(${EventField.fromPath('$.detail.dataStore.endpoint')}): ${EventField.fromPath('$.detail.direction')}, ` +
          `changed ${EventField.fromPath('$.detail.changedFields')}`,
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
