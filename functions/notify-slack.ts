/**
 * Lambda: finding events from the Slack FIFO queue (one message group, so one batch at a time and
 * in order) become Slack messages (**adapter** -> use case -> domain).
 *
 * Fails loudly: `chat.postMessage` answers HTTP 200 with `"ok": false` for its errors, so every
 * answer is read and a refusal fails its record (a partial batch response); SQS redelivers it and,
 * after the queue's maxReceiveCount, moves it to the dead-letter queue, which alarms. A malformed
 * event is parked in the dead-letter queue at once with its reason, or failed where it cannot be
 * (shared/aws/sqs-intake.ts). Paced to one message per
 * SLACK_MIN_INTERVAL_MS, and Slack's `Retry-After` honoured. The token never reaches a log line.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SLACK_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { parkOrFail } from '#shared/aws/sqs-intake.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { readSlackSettings } from '#shared/config/slack.ts';
import { SqsDeadLetterSink } from '#shared/events/dead-letter.ts';
import type { Secret } from '#shared/secret.ts';
import { botTokenOf } from '#shared/slack/bot-token.ts';
import { ChannelPacer, deliverFinding } from '#shared/slack/deliver-finding.ts';
import { SlackRefusedError } from '#shared/slack/errors.ts';
import { readSlackFinding } from '#shared/slack/finding-view.ts';

const SERVICE = 'dspm-bridge-slack';
/** Codes after which the token is read again on the next record (it may have been replaced). */
const AUTH_CODES = new Set(['not_authed', 'invalid_auth', 'token_revoked', 'token_expired']);

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createSlackHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const settings = readSlackSettings(env);
  const aws = createAwsClients(tracer);
  const deadLetters = settings.deadLetterQueueUrl
    ? new SqsDeadLetterSink(aws.sqs, settings.deadLetterQueueUrl)
    : undefined;
  const pacer = new ChannelPacer(systemClock, settings.intervalMs);
  let token: Secret | undefined;
  const readToken = async (): Promise<Secret> => {
    if (token) return token;
    const secret = await aws.secretsManager.send(
      new GetSecretValueCommand({ SecretId: settings.tokenSecretId }),
    );
    token = botTokenOf(secret.SecretString ?? '');
    return token;
  };
  let remainingMs = () => 60_000;
  const delivery = {
    channel: settings.channel,
    intervalMs: settings.intervalMs,
    postDeescalations: settings.postDeescalations,
    maxRateLimitWaits: 3,
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = readSlackFinding(record);
    if (!parsed.ok) {
      metrics.addMetric(SLACK_METRICS.malformed.name, MetricUnit.Count, 1);
      await parkOrFail(record, parsed.reason, { deadLetters, logger });
      return;
    }
    const event = parsed.value;
    try {
      const api = { baseUrl: settings.apiUrl, token: await readToken() };
      const outcome = await deliverFinding(event, { api, clock: systemClock, pacer, remainingMs }, delivery);
      if (outcome.kind === 'skipped') {
        metrics.addMetric(SLACK_METRICS.skipped.name, MetricUnit.Count, 1);
        logger.info('finding event not posted', { eventId: event.eventId, why: outcome.why });
        return;
      }
      metrics.addMetric(SLACK_METRICS.posted.name, MetricUnit.Count, 1);
      if (outcome.rateLimitWaits > 0)
        metrics.addMetric(SLACK_METRICS.rateLimited.name, MetricUnit.Count, outcome.rateLimitWaits);
      logger.info('finding posted to Slack', {
        eventId: event.eventId,
        correlationId: event.detail.correlationId,
        change: outcome.change,
        ts: outcome.ts,
      });
    } catch (error) {
      if (error instanceof SlackRefusedError && AUTH_CODES.has(error.code)) token = undefined;
      metrics.addMetric(SLACK_METRICS.failed.name, MetricUnit.Count, 1);
      logger.error('finding not posted to Slack', {
        eventId: event.eventId,
        correlationId: event.detail.correlationId,
        error: { name: (error as Error).name, message: (error as Error).message },
      });
      throw error;
    }
  };

  const processor = new SqsFifoPartialProcessorAsync();
  const notify = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    remainingMs = () => context.getRemainingTimeInMillis();
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
    // The next batch may start in a new container: leave the channel one interval of quiet.
    await pacer.settle();
    return response;
  };

  return withObservability(notify, tools);
}

/** The Lambda entry point. */
export const handler = createSlackHandler(process.env);
