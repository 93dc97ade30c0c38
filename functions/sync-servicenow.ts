/**
 * Lambda: the scheduled ServiceNow decision sync (**adapter** -> use case
 * shared/servicenow/sync-decisions.ts). Reads the records the follower created that people
 * resolved or closed since the watermark, and records each mapped close code as an exception on
 * its finding through the exceptions use case (source `servicenow`), so the next poll publishes
 * the finding's `-suppressed`. A run that fails throws (the function's Errors alarm; Lambda
 * retries once, then the run lands in the schedule's failed-runs queue) after one log line naming
 * what failed; the next run starts from the saved watermark.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { SERVICENOW_SYNC_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { readServiceNowSyncConfig } from '#shared/config/servicenow-sync.ts';
import { createException } from '#shared/exceptions/create-exception.ts';
import { createSharedAdapters, requireSink } from '#shared/roots/bridge-runtime.ts';
import { failureAttributes } from '#shared/servicenow/errors.ts';
import { ExceptionDecisions } from '#shared/servicenow/exception-decisions.ts';
import { SecretsManagerCredentials } from '#shared/servicenow/secret-credentials.ts';
import { type SyncReport, syncDecisions } from '#shared/servicenow/sync-decisions.ts';
import { DynamoDbSyncStore } from '#shared/servicenow/sync-store.ts';
import { TableClient } from '#shared/servicenow/table-client.ts';

const SERVICE = 'dspm-bridge-servicenow-sync';

/** The longest `Retry-After` waited out inside one run; a longer one pauses the sync until then. */
const MAX_WAIT_MS = 20_000;

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createServiceNowSyncHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const config = readServiceNowSyncConfig(env);
  const aws = createAwsClients(tracer);
  const shared = createSharedAdapters(env, { aws, logger });
  const sink = requireSink(shared);
  const credentials = new SecretsManagerCredentials(aws.secretsManager, config.credentialsSecretId);
  const decisions = new ExceptionDecisions({
    exists: async (tenant, exceptionId) =>
      (await shared.exceptions.getException(tenant, exceptionId)) !== undefined,
    create: async (request, exceptionId) => {
      const change = await createException(
        {
          store: shared.exceptions,
          sink,
          events: { source: shared.publishing.source, test: shared.publishing.test },
          newId: () => exceptionId,
        },
        request,
        new Date(systemClock.now()),
      );
      if (!change.published.ok) {
        // Stored, so in force from the next poll; only its copy on the bus is missing.
        logger.warn('exception stored; its finding-exception-changed event was not published', {
          exceptionId,
          errorCode: change.published.errorCode,
        });
      }
    },
  });

  const sync = async (_event: unknown, _context: Context): Promise<SyncReport> => {
    const { username } = await credentials.get();
    const ports = {
      table: new TableClient({
        instanceUrl: config.instanceUrl,
        table: config.profile.table,
        credentials,
        clock: systemClock,
        maxWaitMs: MAX_WAIT_MS,
      }),
      store: new DynamoDbSyncStore(aws.dynamoDb, config.progressTable),
      decisions,
      clock: systemClock,
      logger,
    };
    let report: SyncReport;
    try {
      report = await syncDecisions(ports, { ...config, integrationUser: username });
    } catch (error) {
      metrics.addMetric(SERVICENOW_SYNC_METRICS.syncsFailed.name, MetricUnit.Count, 1);
      logger.error('ServiceNow decision sync failed; the next run starts from the saved watermark', {
        ...failureAttributes(error),
      });
      throw error;
    }
    metrics.addMetric(SERVICENOW_SYNC_METRICS.decisionsRecorded.name, MetricUnit.Count, report.exceptions);
    metrics.addMetric(SERVICENOW_SYNC_METRICS.decisionsUnmapped.name, MetricUnit.Count, report.unmapped);
    metrics.addMetric(SERVICENOW_SYNC_METRICS.decisionsRefused.name, MetricUnit.Count, report.refused);
    if (report.stopped?.why === 'rate-limited')
      metrics.addMetric(SERVICENOW_SYNC_METRICS.syncsThrottled.name, MetricUnit.Count, 1);
    logger.info('ServiceNow decision sync done', { ...report });
    return report;
  };
  return withObservability(sync, tools);
}

/** The Lambda entry point. */
export const handler = createServiceNowSyncHandler(process.env);
