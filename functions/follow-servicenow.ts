/**
 * Lambda: finding events from the ServiceNow follower's SQS FIFO queue (one message group, so
 * events reach it in the order EventBridge delivered them), each applied to its one ServiceNow
 * record (**adapter** -> use case shared/servicenow/follow-finding.ts).
 *
 * Partial batch responses (Powertools batch, FIFO): a record that fails (ServiceNow down or
 * throttling past the client's retries, another delivery of the same occurrence in progress) is
 * retried, and so are the records behind it; after the queue's receive limit it lands in the
 * dead-letter queue, which has an alarm. A message that is not a finding event goes straight to
 * the dead-letter queue with its reason, and the batch goes on.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SERVICENOW_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { readServiceNowConfig } from '#shared/config/servicenow.ts';
import { SqsDeadLetterSink } from '#shared/events/dead-letter.ts';
import { parseFindingMessage } from '#shared/servicenow/finding-message.ts';
import { followFinding } from '#shared/servicenow/follow-finding.ts';
import { DynamoDbProgressStore } from '#shared/servicenow/progress-store.ts';
import { SecretsManagerCredentials } from '#shared/servicenow/secret-credentials.ts';
import { TableClient } from '#shared/servicenow/table-client.ts';

const SERVICE = 'dspm-bridge-servicenow';

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createServiceNowHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const config = readServiceNowConfig(env);
  const aws = createAwsClients(tracer);
  const ports = {
    table: new TableClient({
      instanceUrl: config.instanceUrl,
      table: config.table,
      credentials: new SecretsManagerCredentials(aws.secretsManager, config.credentialsSecretId),
      clock: systemClock,
    }),
    progress: new DynamoDbProgressStore(aws.dynamoDb, config.progressTable),
    clock: systemClock,
    logger,
  };
  const deadLetters = config.deadLetterQueueUrl
    ? new SqsDeadLetterSink(aws.sqs, config.deadLetterQueueUrl)
    : undefined;

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = parseFindingMessage(record.body);
    if (!parsed.ok) {
      metrics.addMetric(SERVICENOW_METRICS.malformedFindingEvents.name, MetricUnit.Count, 1);
      logger.error('not a finding event; sent to the dead-letter queue', {
        messageId: record.messageId,
        reason: parsed.reason,
      });
      if (!deadLetters) throw new Error(`not a finding event: ${parsed.reason}`);
      await deadLetters.send(record.body, parsed.reason);
      return;
    }
    const { detail } = parsed.message;
    const outcome = await followFinding(parsed.message, ports, config);
    metrics.addMetric(RECORD_METRICS[outcome.kind].name, MetricUnit.Count, 1);
    logger.info('finding applied to ServiceNow', {
      correlationId: detail.correlationId,
      eventId: detail.eventId,
      sequence: detail.sequence,
      transition: parsed.message.transition,
      ...outcome,
    });
  };

  const processor = new SqsFifoPartialProcessorAsync();
  const follow = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    metrics.addMetric(
      SERVICENOW_METRICS.findingEventsFailed.name,
      MetricUnit.Count,
      response.batchItemFailures.length,
    );
    return response;
  };
  return withObservability(follow, tools);
}

/** What happened to the record, counted by kind. */
const RECORD_METRICS = {
  created: SERVICENOW_METRICS.recordsCreated,
  updated: SERVICENOW_METRICS.recordsUpdated,
  resolved: SERVICENOW_METRICS.recordsResolved,
  unchanged: SERVICENOW_METRICS.recordsUnchanged,
} as const;

/** The Lambda entry point. */
export const handler = createServiceNowHandler(process.env);
