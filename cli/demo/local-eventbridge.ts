/**
 * A local EventBridge for `demo --aws-local`: moto on a loopback port, a bus, and two of the
 * documented sample rules each delivering to an SQS queue (moto cannot invoke Lambda targets).
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { sampleRulePatterns } from '#shared/events/rule-patterns.ts';
import { MOTO_AWS, startMoto } from '../local-aws.ts';

/** The running local EventBridge. */
export interface LocalEventBridge {
  readonly endpoint: string;
  readonly busName: string;
  readonly sink: EventBridgeSink;
  readonly sqs: SQSClient;
  /** Queue URL per rule name. */
  readonly queues: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts moto and sets up the bus and rules.
 * @throws Error when `moto_server` is not installed.
 */
export async function startLocalEventBridge(env?: NodeJS.ProcessEnv): Promise<LocalEventBridge> {
  const moto = await startMoto({
    neededFor: 'demo --aws-local, or run the demo without --aws-local (it needs no AWS)',
    env,
  });
  const config = { ...MOTO_AWS, endpoint: moto.endpoint };
  const eventBridge = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  const busName = 'dspm-bridge-demo';
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const patterns = sampleRulePatterns();
  const queues: Record<string, string> = {};
  for (const [rule, pattern] of [
    ['high-or-critical-risk', patterns.highOrCriticalRisk],
    ['encryption-turned-off', patterns.encryptionTurnedOff],
  ] as const) {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: rule }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await eventBridge.send(
      new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify(pattern) }),
    );
    await eventBridge.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
      }),
    );
    queues[rule] = QueueUrl;
  }
  return {
    endpoint: moto.endpoint,
    busName,
    sink: new EventBridgeSink({ client: eventBridge, busName }),
    sqs,
    queues,
    stop: () => moto.stop(),
  };
}
