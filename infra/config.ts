/**
 * The stack's configuration: CDK context key `dspm-bridge` in cdk.json, overridable with
 * `-c dspm-bridge.<key>=<value>` (or a whole JSON object). Checked with zod; an error names the
 * key and what was expected. Defaults match the Lambdas' own defaults.
 */
import { z } from 'zod';
import { MIN_SHARED_RPS } from '#shared/budget/static-split.ts';
import { duplicateHosts } from '#shared/config/tenants.ts';
import { parseTenantUrl } from '#shared/dspm/tenant-url.ts';
import { ConfigError } from '#shared/errors.ts';
import { EXCEPTION_REASONS, FINDING_CONDITIONS } from '#shared/events/detail-types.ts';
import { parseFindingSettings } from '#shared/findings/severities.ts';
import { isWatchableField } from '#shared/risk/watched-fields.ts';

/** AWS Organizations ids, as AWS documents them (`o-` and 10 to 32 lowercase letters or digits). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** AWS account ids: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;
/** A value for an error message, cut short so a pasted blob does not fill the terminal. */
const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 64));

const arn = (what: string) => z.string().regex(/^arn:aws[a-z-]*:/, `must be an ARN of ${what}`);

/** `https://<name>.service-now.com`, nothing after the host but an optional `/`. */
export function isServiceNowInstanceUrl(url: string): boolean {
  return /^https:\/\/[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.service-now\.com\/?$/i.test(url);
}

/** The configuration as validated. */
export const stackConfigSchema = z
  .object({
    /** `https://<tenant>.goskope.com`: one tenant (or give `tenants`). */
    tenantUrl: z.string().optional(),
    /**
     * Several tenants, each polled in its own branch of the poll workflow with its own token,
     * lease, state partition, rate limit and alarms. The first is the tagger's and the sweep's.
     */
    tenants: z
      .array(
        z
          .object({
            tenantUrl: z.string(),
            /** An existing secret with this tenant's token; without it the stack creates one to fill. */
            tokenSecretArn: arn('a Secrets Manager secret').optional(),
            /** This tenant's global rate limit, requests/s; default the stack's `rateLimitRps`. */
            rateLimitRps: z.number().min(1).max(1000).optional(),
          })
          .strict(),
      )
      .min(1, 'must list at least one tenant')
      .optional(),
    /** Most tenants polled at once (the workflow's Map concurrency, and the poller's reserved concurrency). */
    tenantConcurrency: z.number().int().min(1).max(40).default(4),
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
    /** The tenant's global rate limit, requests/s; the functions share it (shared/budget/static-split.ts). */
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
    /** A CloudWatch dashboard of the bridge (infra/constructs/bridge-dashboard.ts); false leaves it out. */
    dashboard: z.boolean().default(true),
    /** Where alarms notify (an SNS topic is created; subscribe to it). */
    alarmEmail: z.email().optional(),
    slack: z
      .object({
        /** Secret holding the Slack bot token, `Bearer xoxb-...` (a bare `xoxb-...` works too). */
        botTokenSecretArn: arn('a Secrets Manager secret'),
        channel: z.string().min(1),
        /** Messages per second to the channel; Slack allows about one. */
        invocationsPerSecond: z.number().int().min(1).max(300).default(1),
        /** Finding conditions posted; default all. */
        conditions: z
          .array(z.enum(FINDING_CONDITIONS))
          .min(1)
          .default([...FINDING_CONDITIONS]),
        /** Lowest severity posted; default high. */
        minimumSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
        /** Post findings that already held at the tenant's first poll; default false. */
        includeBaseline: z.boolean().default(false),
        /** Post updates that lower a finding's severity; default false. */
        postDeescalations: z.boolean().default(false),
      })
      .optional(),
    /**
     * Findings into AWS Security Hub (ASFF through BatchImportFindings, the account's own default
     * product): Security Hub must be enabled in the account and region of the stack.
     */
    securityHub: z.boolean().default(false),
    serviceNow: z
      .object({
        /**
         * `https://<instance>.service-now.com`; another https host only with `customDomain: true`
         * (an instance behind its own custom URL), so a typo fails the synth rather than the first call.
         */
        instanceUrl: z.url().refine((url) => url.startsWith('https://'), 'must be https'),
        /** True: `instanceUrl` may be any https host (a ServiceNow custom URL); default false. */
        customDomain: z.boolean().default(false),
        /** Secret with JSON `{"username": ..., "password": ...}` of the integration user (docs/operations.md). */
        credentialsSecretArn: arn('a Secrets Manager secret'),
        table: z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/)
          .default('incident'),
        /** Finding conditions that get a record. */
        conditions: z
          .array(z.enum(FINDING_CONDITIONS))
          .min(1)
          .default([...FINDING_CONDITIONS]),
        /** Also follow occurrences already open at the tenant's first poll. */
        followBaseline: z.boolean().default(false),
        /** Below this severity a finding opens no record (one already open is still updated and resolved). */
        createMinimumSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
        /**
         * `close_code` when the condition clears: a choice in the table's close code list; default
         * `Solution provided` (incident), `Threat mitigated` (sn_si_incident).
         */
        closeCode: z.string().min(1).max(40).optional(),
        /**
         * `close_code` when an exception covers the finding; default `No resolution provided`
         * (incident), `Not resolved` (sn_si_incident). The close notes name the exception.
         */
        suppressedCloseCode: z.string().min(1).max(40).optional(),
        category: z.string().min(1).max(40).optional(),
        /** sys_id of the assignment group of new records. */
        assignmentGroup: z
          .string()
          .regex(/^[0-9a-f]{32}$/, 'must be a sys_id (32 hex digits)')
          .optional(),
        /** Read by the earlier API destination; accepted so old configurations still synthesize, and unused. */
        invocationsPerSecond: z.number().int().min(1).max(300).optional(),
        /**
         * Decisions come back (optional): a scheduled sync turns a person's resolve or close with
         * a mapped close code into an exception on the finding (docs/operations.md).
         */
        sync: z
          .object({
            /** Close code -> exception: `{"Risk Accepted": {"reason": "risk-accepted", "days": 90}}`. */
            closeCodes: z
              .record(
                z.string().min(1).max(40),
                z
                  .object({
                    reason: z.enum(EXCEPTION_REASONS),
                    days: z.number().int().min(1).max(365),
                  })
                  .strict(),
              )
              .refine((codes) => Object.keys(codes).length > 0, 'must map at least one close code'),
            /** Minutes between runs; default 15. */
            intervalMinutes: z.number().int().min(5).max(1440).default(15),
            /** How far before its watermark each run reads again; default 120 s. */
            overlapSeconds: z.number().int().min(0).max(3600).default(120),
            /** Where the first run starts, before the deploy; default 24 h. */
            initialLookbackHours: z.number().int().min(1).max(8784).default(24),
            /** Records a page, and pages a run at most (the run's share of the per-hour rate limit). */
            pageSize: z.number().int().min(1).max(1000).default(100),
            maxPagesPerRun: z.number().int().min(1).max(100).default(10),
          })
          .strict()
          .optional(),
      })
      .strict()
      .superRefine((serviceNow, context) => {
        if (serviceNow.customDomain || !serviceNow.instanceUrl.startsWith('https://')) return;
        if (!isServiceNowInstanceUrl(serviceNow.instanceUrl)) {
          context.addIssue({
            code: 'custom',
            path: ['instanceUrl'],
            message: `must be https://<instance>.service-now.com (got ${JSON.stringify(serviceNow.instanceUrl)}); for an instance behind a custom URL, set serviceNow.customDomain to true`,
          });
        }
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
 * Where a configuration came from, so its errors name the key as the user wrote it: the same
 * checks and the same messages for the app's context and the construct's props, only the prefix
 * and the hints differ.
 */
export interface ConfigSource {
  /** Written before the key: `context dspm-bridge` gives `context dspm-bridge.rpoHours: ...`. */
  readonly name: string;
  /** How to give the tenant, for the error when none is given. */
  readonly howToSetTenant: string;
  /** The setting that lets a non-Netskope host through, for the tenant URL's error. */
  readonly anyHostSwitch: string;
}

/** The app's configuration: the `dspm-bridge` context of cdk.json or `-c`. */
export const CONTEXT_SOURCE: ConfigSource = {
  name: `context ${CONTEXT_KEY}`,
  howToSetTenant: HOW_TO_SET_TENANT,
  anyHostSwitch: `${CONTEXT_KEY}.allowAnyHost: true`,
};

/** The props of the `DspmBridge` construct. */
export const PROPS_SOURCE: ConfigSource = {
  name: 'DspmBridge props',
  howToSetTenant: "give tenantUrl: 'https://<tenant>.goskope.com' (one tenant) or tenants (several)",
  anyHostSwitch: 'allowAnyHost: true',
};

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
 * Validates the context value (or the construct's props, with `source` PROPS_SOURCE).
 * @throws ConfigError naming the key (`dspm-bridge.<key>`) and what was expected.
 */
export function readStackConfig(raw: unknown, source: ConfigSource = CONTEXT_SOURCE): StackConfig {
  const value = typeof raw === 'string' ? parseJson(raw) : raw;
  const result = stackConfigSchema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = [source.name, ...(issue?.path ?? []).map(String)].join('.');
    throw new ConfigError(`${key}: ${issue?.message ?? 'is not valid'}`);
  }
  const config = result.data;
  stackTenants(config, source);
  if (
    config.riskBands &&
    !(config.riskBands[0] < config.riskBands[1] && config.riskBands[1] < config.riskBands[2])
  ) {
    throw new ConfigError(`${source.name}.riskBands: must increase, got ${config.riskBands.join(', ')}`);
  }
  if (config.findingSeverities) {
    try {
      parseFindingSettings(findingSeveritiesVariable(config.findingSeverities), FINDING_CONDITIONS);
    } catch (error) {
      throw new ConfigError(`${source.name}.findingSeverities: ${(error as Error).message}`);
    }
  }
  return config;
}

/** One tenant of the stack, checked. */
export interface StackTenant {
  /** As configured (`https://acme.goskope.com`). */
  readonly url: string;
  /** The host: the tenant's name in events, its lease and state partition, its alarms. */
  readonly host: string;
  /** The existing secret with its token, or undefined: the stack creates one. */
  readonly tokenSecretArn: string | undefined;
  /** Its global rate limit, requests/s. */
  readonly rateLimitRps: number;
}

/**
 * The tenants the configuration names: `tenantUrl` (with `tokenSecretArn`) is a list of one,
 * `tenants` a list of several. Each URL checked as the functions check it.
 * @throws ConfigError naming the key: neither or both forms given, a bad URL, a host listed twice,
 *   or a first tenant whose limit is too small to share with the tagger and the sweep.
 */
export function stackTenants(
  config: StackConfig,
  source: ConfigSource = CONTEXT_SOURCE,
): readonly StackTenant[] {
  if (config.tenants && config.tenantUrl !== undefined) {
    throw new ConfigError(`${source.name}: set tenantUrl (one tenant) or tenants (several), not both`);
  }
  if (config.tenants && config.tokenSecretArn !== undefined) {
    throw new ConfigError(
      `${source.name}.tokenSecretArn goes with tenantUrl; with tenants, give each its own tokenSecretArn`,
    );
  }
  const entries = config.tenants
    ? config.tenants.map((tenant, index) => ({ ...tenant, key: `tenants.${index}.tenantUrl` }))
    : config.tenantUrl !== undefined
      ? [{ tenantUrl: config.tenantUrl, tokenSecretArn: config.tokenSecretArn, key: 'tenantUrl' }]
      : undefined;
  if (!entries) throw new ConfigError(`${source.name}.tenantUrl is not set: ${source.howToSetTenant}`);
  const tenants = entries.map((entry): StackTenant => {
    try {
      const { host } = parseTenantUrl(entry.tenantUrl, {
        allowAnyHost: config.allowAnyHost,
        anyHostSwitch: source.anyHostSwitch,
      });
      return {
        url: entry.tenantUrl,
        host,
        tokenSecretArn: entry.tokenSecretArn,
        rateLimitRps: ('rateLimitRps' in entry ? entry.rateLimitRps : undefined) ?? config.rateLimitRps,
      };
    } catch (error) {
      throw new ConfigError(
        `${source.name}.${entry.key}: ${(error as Error).message.replace(/^DSPM_TENANT_URL /, '')}`,
      );
    }
  });
  const repeated = duplicateHosts(tenants.map((tenant) => tenant.host));
  if (repeated.length > 0) {
    throw new ConfigError(
      `${source.name}.tenants lists ${repeated.join(', ')} more than once: list each tenant once`,
    );
  }
  const first = tenants[0] as StackTenant;
  if (first.rateLimitRps < MIN_SHARED_RPS) {
    throw new ConfigError(
      `${source.name}.tenants.0.rateLimitRps: must be at least ${MIN_SHARED_RPS}: the first tenant's limit is shared by the poller, the sweep and the tagger`,
    );
  }
  return tenants;
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
