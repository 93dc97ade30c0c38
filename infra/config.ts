/**
 * The stack's configuration: CDK context key `dspm-bridge` in cdk.json, overridable with
 * `-c dspm-bridge.<key>=<value>` (or a whole JSON object). Checked with zod; an error names the
 * key and what was expected. Defaults match the Lambdas' own defaults.
 */
import { z } from 'zod';
import { parseTenantUrl } from '#shared/dspm/tenant-url.ts';
import { ConfigError } from '#shared/errors.ts';
import { isWatchableField } from '#shared/risk/watched-fields.ts';

const arn = (what: string) => z.string().regex(/^arn:aws[a-z-]*:/, `must be an ARN of ${what}`);

/** The configuration as validated. */
export const stackConfigSchema = z
  .object({
    /** `https://<tenant>.goskope.com`. */
    tenantUrl: z.string(),
    /** Lets a non-Netskope host through (a test deployment against a simulator). */
    allowAnyHost: z.boolean().default(false),
    /** An existing Secrets Manager secret holding the token; without it the stack creates an empty one to fill. */
    tokenSecretArn: arn('a Secrets Manager secret').optional(),
    /** EventBridge Scheduler expression of the poll. */
    pollSchedule: z.string().default('rate(15 minutes)'),
    /** Minutes between polls; the "no completed poll" alarm waits two of these. Must match pollSchedule. */
    pollIntervalMinutes: z.number().int().min(1).max(1440).default(15),
    coverageSchedule: z.string().default('rate(1 hour)'),
    /** Minutes between sweeps; the "no completed sweep" alarm waits two of these. Must match coverageSchedule. */
    coverageIntervalMinutes: z.number().int().min(1).max(1440).default(60),
    /** Name of the bus to create, or the ARN of an existing one to use. */
    eventBusName: z.string().min(1).default('dspm-bridge'),
    importEventBusArn: arn('an EventBridge bus').optional(),
    eventSource: z.string().min(1).default('netskope.dspm'),
    archiveRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** Sources allowed to send the generic backup-protection-changed contract to the bus. */
    backupEventSources: z.array(z.string().min(1)).default([]),
    rpoHours: z.number().min(1).max(8760).default(26),
    excludedServices: z.array(z.string()).default([]),
    excludedConnections: z.array(z.number().int()).default([]),
    watchedFields: z
      .array(z.string())
      .refine((fields) => fields.every(isWatchableField), {
        message: 'names a field the poller cannot watch',
      })
      .optional(),
    riskBands: z.tuple([z.number(), z.number(), z.number()]).optional(),
    minimumDeltas: z.record(z.string(), z.number().min(0)).optional(),
    rateLimitRps: z.number().min(0.1).max(1000).default(5),
    pageSize: z.number().int().min(1).max(1000).default(100),
    logRetentionDays: z.number().int().min(1).default(30),
    tracing: z.boolean().default(true),
    /** A VPC with one NAT gateway on an Elastic IP, so the tenant's IP allowlist can name the bridge. */
    fixedEgressIp: z.boolean().default(false),
    /** Where alarms notify (an SNS topic is created; subscribe to it). */
    alarmEmail: z.email().optional(),
    slack: z
      .object({
        /** Secret holding a Slack bot token (`xoxb-...`) allowed to post to the channel. */
        botTokenSecretArn: arn('a Secrets Manager secret'),
        channel: z.string().min(1),
        invocationsPerSecond: z.number().int().min(1).max(300).default(1),
      })
      .optional(),
    serviceNow: z
      .object({
        /** `https://<instance>.service-now.com`. */
        instanceUrl: z.url().refine((url) => url.startsWith('https://'), 'must be https'),
        /** Secret with JSON `{"username": ..., "password": ...}` of a user allowed to create incidents. */
        credentialsSecretArn: arn('a Secrets Manager secret'),
        table: z
          .string()
          .regex(/^[a-z_]+$/)
          .default('incident'),
        invocationsPerSecond: z.number().int().min(1).max(300).default(5),
      })
      .optional(),
  })
  .strict();

/** The validated configuration. */
export type StackConfig = z.infer<typeof stackConfigSchema>;

/** The context key. */
export const CONTEXT_KEY = 'dspm-bridge';

/**
 * Validates the context value.
 * @throws ConfigError naming the key (`dspm-bridge.<key>`) and what was expected.
 */
export function readStackConfig(raw: unknown): StackConfig {
  const value = typeof raw === 'string' ? parseJson(raw) : raw;
  const result = stackConfigSchema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = [CONTEXT_KEY, ...(issue?.path ?? []).map(String)].join('.');
    throw new ConfigError(`context ${key}: ${issue?.message ?? 'is not valid'}`);
  }
  const config = result.data;
  try {
    parseTenantUrl(config.tenantUrl, { allowAnyHost: config.allowAnyHost });
  } catch (error) {
    throw new ConfigError(
      `context ${CONTEXT_KEY}.tenantUrl: ${(error as Error).message.replace(/^DSPM_TENANT_URL /, '')}`,
    );
  }
  if (
    config.riskBands &&
    !(config.riskBands[0] < config.riskBands[1] && config.riskBands[1] < config.riskBands[2])
  ) {
    throw new ConfigError(
      `context ${CONTEXT_KEY}.riskBands: must increase, got ${config.riskBands.join(', ')}`,
    );
  }
  return config;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`context ${CONTEXT_KEY} must be a JSON object`);
  }
}
