/**
 * The environment the Lambda Node.js runtime gives a function: the function's own variables as
 * deployed, plus what the service sets (region, credentials of the role, function name, memory,
 * log format, handler, a trace header that is not sampled). `AWS_ENDPOINT_URL` stands in for the
 * AWS endpoints: it points the SDK at moto.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { MOTO_AWS } from './moto.ts';

/** The process environment of one invocation of `config`, talking to AWS at `awsEndpoint`. */
export function lambdaRuntimeEnvironment(
  config: FunctionConfiguration,
  awsEndpoint: string,
): Record<string, string> {
  const runtime = config.Runtime ?? 'nodejs24.x';
  return {
    ...config.Environment?.Variables,
    _HANDLER: config.Handler ?? 'index.handler',
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_FUNCTION_NAME: config.FunctionName ?? '',
    AWS_LAMBDA_FUNCTION_VERSION: config.Version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize ?? 128),
    AWS_LAMBDA_LOG_GROUP_NAME: config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName}`,
    AWS_LAMBDA_LOG_FORMAT: config.LoggingConfig?.LogFormat ?? 'Text',
    AWS_REGION: MOTO_AWS.region,
    AWS_DEFAULT_REGION: MOTO_AWS.region,
    AWS_ACCESS_KEY_ID: MOTO_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_AWS.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'moto-session',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    // Sampled=0: the function runs traced as deployed, and nothing is sent to a daemon.
    _X_AMZN_TRACE_ID: 'Root=1-674c8a10-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin',
    AWS_ENDPOINT_URL: awsEndpoint,
  };
}
