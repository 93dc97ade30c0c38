/**
 * The tenants the poller polls. `DSPM_TENANTS` (what the stack sets) is a JSON list of
 * `{"url", "tokenSecretId", "rateLimitRps"?}`, one entry per tenant; without it the single tenant of
 * `DSPM_TENANT_URL` and `DSPM_API_TOKEN(_SECRET_ID)` is a list of one (the CLI, local runs). Each
 * tenant gets the shared `DSPM_*` settings with its own URL, token and pace.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { parseTenantUrl } from '../dspm/tenant-url.ts';
import { ConfigError } from '../errors.ts';
import { type DspmConfig, readDspmConfig, readDspmSettings } from './dspm.ts';
import { type Environment, optionalString } from './env.ts';

/** One entry of `DSPM_TENANTS`. */
const tenantEntrySchema = z.strictObject({
  url: z.string().check(z.minLength(1, 'must be https://<tenant>.goskope.com')),
  tokenSecretId: z
    .string()
    .check(z.minLength(1, "must name the Secrets Manager secret holding the tenant's token")),
  rateLimitRps: z.optional(z.number().check(z.gte(0.1), z.lte(1000))),
});

const tenantListSchema = z.array(tenantEntrySchema).check(z.minLength(1, 'must list at least one tenant'));

/** The variables `DSPM_TENANTS` replaces; setting both is ambiguous. */
const SINGLE_TENANT_VARIABLES = ['DSPM_TENANT_URL', 'DSPM_API_TOKEN', 'DSPM_API_TOKEN_SECRET_ID'] as const;

/**
 * Every tenant's DSPM configuration, in the configured order (the first is the tagger's and the
 * sweep's tenant in the stack).
 * @throws ConfigError naming the variable, the entry and what is wrong: malformed JSON, a bad URL,
 *   a host listed twice, or `DSPM_TENANTS` beside the single-tenant variables.
 */
export function readTenantConfigs(env: Environment): readonly DspmConfig[] {
  const raw = optionalString(env, 'DSPM_TENANTS');
  if (raw === undefined) return [readDspmConfig(env)];
  const alsoSet = SINGLE_TENANT_VARIABLES.filter((name) => optionalString(env, name) !== undefined);
  if (alsoSet.length > 0) {
    throw new ConfigError(
      `DSPM_TENANTS is set, and so is ${alsoSet.join(', ')}: give the tenants either as the DSPM_TENANTS list or as DSPM_TENANT_URL with its token, not both`,
    );
  }
  const settings = readDspmSettings(env);
  const entries = parseEntries(raw);
  const configs = entries.map((entry, index): DspmConfig => {
    let tenant: DspmConfig['tenant'];
    try {
      tenant = parseTenantUrl(entry.url, { allowAnyHost: settings.allowAnyHost });
    } catch (error) {
      throw new ConfigError(
        `DSPM_TENANTS[${index}].url ${(error as Error).message.replace(/^DSPM_TENANT_URL /, '')}`,
      );
    }
    return {
      ...settings,
      tenant,
      tokenSource: { kind: 'secrets-manager', secretId: entry.tokenSecretId },
      rateLimitRps: entry.rateLimitRps ?? settings.rateLimitRps,
    };
  });
  const duplicates = duplicateHosts(configs.map((config) => config.tenant.host));
  if (duplicates.length > 0) {
    throw new ConfigError(
      `DSPM_TENANTS lists ${duplicates.join(', ')} more than once: each tenant has one lease and one state partition, so list it once`,
    );
  }
  return configs;
}

/** Hosts that occur more than once, each named once, in order. */
export function duplicateHosts(hosts: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const host of hosts) {
    if (seen.has(host)) repeated.add(host);
    seen.add(host);
  }
  return [...repeated];
}

function parseEntries(raw: string): z.infer<typeof tenantListSchema> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'DSPM_TENANTS is not JSON; expected a list like [{"url": "https://<tenant>.goskope.com", "tokenSecretId": "<secret ARN>"}]',
    );
  }
  const result = tenantListSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = (issue?.path ?? []).map((part) =>
      typeof part === 'number' ? `[${part}]` : `.${String(part)}`,
    );
    throw new ConfigError(`DSPM_TENANTS${where.join('')}: ${issue?.message ?? 'is not valid'}`);
  }
  return result.data;
}
