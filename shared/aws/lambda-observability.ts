/**
 * Logger, metrics and tracer for a Lambda entry point, and the middy chain that wires them in
 * Powertools' own order (tracer, then logger, then metrics), the handler last so types flow
 * through. Every entry point of `functions/` uses exactly this.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE } from './metrics-namespace.ts';

export { METRICS_NAMESPACE };

/** A Lambda's observability tools. */
export interface LambdaObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** Logger, metrics and tracer for `service`. */
export function lambdaObservability(service: string): LambdaObservability {
  return {
    logger: new Logger({ serviceName: service }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }),
    tracer: new Tracer({ serviceName: service }),
  };
}

/** Wraps `handler` with tracing, the Lambda context in every log line, and metrics flushed per invocation. */
export function withObservability<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  tools: LambdaObservability,
) {
  return middy(handler)
    .use(captureLambdaHandler(tools.tracer))
    .use(injectLambdaContext(tools.logger, { resetKeys: true }))
    .use(logMetrics(tools.metrics, { captureColdStartMetric: true }));
}
