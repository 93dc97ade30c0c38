/**
 * The stack's configuration: CDK context key `dspm-bridge` in cdk.json, overridable with
 * `-c dspm-bridge.<key>=<value>` (or a whole JSON object). Checked with zod; an error names the
 * key and what was expected. Defaults match the Lambdas' own defaults.
 */
import { z } from 'zod';
import { parseTenantUrl } from '#shared/dspm/tenant-url.ts';
import { ConfigError } from '#shared/errors.ts';
import { FINDING_CONDITIONS } from '#shared/events/detail-types.ts';
import { parseFindingSettings } from '#shared/findings/severities.ts';
import { isWatchableField } from '#shared/risk/watched-fields.ts';
import { MIN_SHARED_RPS } from './rate-budget.ts';

/** AWS Organizations ids, as AWS documents them (`o-` and 10 to 32 lowercase letters or digits). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** AWS account ids: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;
/** A value for an error message, cut short so a pasted blob does not fill the terminal. */
const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 64));

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
    /**
     * The AWS Organizations id whose accounts may forward backup events to the bus (the backup
     * forwarder stack, deployed as a StackSet): the bus policy admits principals of this org.
     */
    organizationId: z
      .string()
      .regex(ORGANIZATION_ID, {
        error: (issue) =>
          `${quoted(issue.input)} is not an AWS Organizations id: it is "o-" and 10 to 32 lowercase letters or digits (aws organizations describe-organization --query Organization.Id)`,
      })
      .optional(),
    /** Accounts that may forward backup events to the bus, when not the whole organization. */
    backupSourceAccounts: z
      .array(
        z
          .string({
            error: 'must be a list of account ids as strings ("111122223333"), quoted so leading zeros stay',
          })
          .regex(ACCOUNT_ID, {
            error: (issue) => `${quoted(issue.input)} is not an AWS account id: it is 12 digits, as a string`,
          }),
        { error: 'must be a list of 12-digit account ids as strings, e.g. ["111122223333"]' },
      )
      .default([]),
    rpoHours: z.number().min(1).max(8760).default(26),
    /**
     * The role the coverage sweep assumes in each store's account to ask AWS Backup
     * (`BACKUP_INVENTORY_ROLE`); the DspmBridgeBackupReader StackSet creates it. Unset: the sweep
     * asks its own account only, and stores elsewhere stay unknown (never tagged).
     */
    backupInventoryRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (letters, digits and +=,.@_-, at most 64)')
      .optional(),
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
    /** Finding severities by condition (`off` turns one off): the functions' `FINDING_SEVERITIES`. */
    findingSeverities: z.record(z.string(), z.string()).optional(),
    /** The tenant's global rate limit, requests/s; the functions share it (infra/rate-budget.ts). */
    rateLimitRps: z
      .number()
      .min(
        MIN_SHARED_RPS,
        `must be at least ${MIN_SHARED_RPS}: each function needs a whole request per second`,
      )
      .max(1000)
      .default(5),
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
    /**
     * Findings into AWS Security Hub (ASFF through BatchImportFindings, the account's own default
     * product): Security Hub must be enabled in the account and region of the stack.
     */
    securityHub: z.boolean().default(false),
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

/** How to give the tenant, for the error when it is missing. */
const HOW_TO_SET_TENANT = `pass -c ${CONTEXT_KEY}.tenantUrl=https://<tenant>.goskope.com to cdk, or set "tenantUrl" under context.${CONTEXT_KEY} in cdk.json`;

/**
 * The `dspm-bridge` configuration out of a CDK app's whole context: the object (or JSON text)
 * under `dspm-bridge`, with each `dspm-bridge.<key>` entry laid over it. The CDK CLI hands `-c`
 * values over as flat strings, so `-c dspm-bridge.pollIntervalMinutes=5` arrives as the key
 * `dspm-bridge.pollIntervalMinutes` with the text `5`; a value that does not fit its key as text
 * is read as JSON (numbers, booleans, lists, objects).
 */
export function stackContextOf(context: Record<string, unknown>): Record<string, unknown> {
  const base = context[CONTEXT_KEY];
  const value = typeof base === 'string' ? parseJson(base) : (base ?? {});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`context ${CONTEXT_KEY} must be a JSON object`);
  }
  const merged: Record<string, unknown> = { ...value };
  const prefix = `${CONTEXT_KEY}.`;
  for (const [name, raw] of Object.entries(context)) {
    if (!name.startsWith(prefix)) continue;
    const key = name.slice(prefix.length);
    merged[key] = typeof raw === 'string' ? fromCommandLine(key, raw) : raw;
  }
  return merged;
}

/** A `-c` value: kept as text when its key takes text, else read as JSON when it parses. */
function fromCommandLine(key: string, text: string): unknown {
  const field = (stackConfigSchema.shape as Record<string, z.ZodType | undefined>)[key];
  if (!field || field.safeParse(text).success) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

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
    if (key === `${CONTEXT_KEY}.tenantUrl` && issue?.code === 'invalid_type' && issue.input === undefined) {
      throw new ConfigError(`context ${key} is not set: ${HOW_TO_SET_TENANT}`);
    }
    throw new ConfigError(`context ${key}: ${issue?.message ?? 'is not valid'}`);
  }
  const config = result.data;
  try {
    parseTenantUrl(config.tenantUrl, {
      allowAnyHost: config.allowAnyHost,
      anyHostSwitch: `${CONTEXT_KEY}.allowAnyHost: true`,
    });
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
  if (config.findingSeverities) {
    try {
      parseFindingSettings(findingSeveritiesVariable(config.findingSeverities), FINDING_CONDITIONS);
    } catch (error) {
      throw new ConfigError(`context ${CONTEXT_KEY}.findingSeverities: ${(error as Error).message}`);
    }
  }
  return config;
}

/** `findingSeverities` as the functions read it: `condition=severity,...`. */
export function findingSeveritiesVariable(severities: Readonly<Record<string, string>>): string {
  return Object.entries(severities)
    .map(([condition, severity]) => `${condition}=${severity}`)
    .join(',');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`context ${CONTEXT_KEY} must be a JSON object`);
  }
}
