/**
 * `dspm-bridge doctor` (use case): checks, in order, everything the bridge needs and says what to
 * fix. Configuration; DNS and TLS to the tenant; the token; every route the bridge uses and
 * whether the token's privilege covers it; rate-limit headers; the page size; the AWS side when
 * configured; clock skew. Nothing is changed: write routes are probed with requests that cannot
 * apply (ids that do not exist, bodies that fail validation), which a privileged token gets
 * refused with 400 or 404 and an unprivileged one with 403.
 */
import { lookup } from 'node:dns/promises';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import type { AwsClients } from '../aws/clients.ts';
import { type DspmConfig, readDspmConfig } from '../config/dspm.ts';
import type { Environment } from '../config/env.ts';
import { readPollerConfig } from '../config/poll.ts';
import { type PublishingConfig, readPublishingConfig } from '../config/publishing.ts';
import { readTaggerConfig } from '../config/tagger.ts';
import type { DspmClient } from '../dspm/client.ts';
import {
  DspmAuthError,
  DspmConnectionError,
  type DspmError,
  DspmPermissionError,
  DspmRateLimitError,
} from '../dspm/errors.ts';
import { describeProxyRoute, type ProxyRoute, proxyRouteFor, tunnelTarget } from '../dspm/proxy-route.ts';
import type { DspmRequest, DspmResponse } from '../dspm/transport.ts';
import { DEFAULT_STATE_FILE } from '../state/file-store.ts';
import { STATE_TABLE } from '../state/table-design.ts';

/** One check's verdict. */
export interface CheckResult {
  readonly check: string;
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  /** What was found. */
  readonly detail: string;
  /** What to do about it. */
  readonly fix?: string | undefined;
}

/** What the doctor needs. */
export interface DoctorPorts {
  readonly env: Environment;
  /** Builds the client from the configuration (the CLI's own wiring). */
  readonly createClient: (config: DspmConfig) => DspmClient;
  readonly aws: AwsClients;
  readonly now: () => number;
  /** Resolves a host name (injectable: tests and the simulator run on loopback). */
  readonly resolve?: (host: string) => Promise<unknown>;
}

/** The read routes the poller uses. */
export const READ_ROUTES = [
  'infrastructure_connections/platforms',
  'infrastructure_connections',
  'data_stores/services',
  'data_stores/connected',
  'data_stores/discovered',
  'data_tags',
] as const;

/** The write routes the tagger uses, each with a request that cannot apply. */
export const WRITE_PROBES: readonly { route: string; request: DspmRequest }[] = [
  { route: 'data_tag_categories', request: { method: 'POST', route: 'data_tag_categories', body: {} } },
  {
    route: 'data_tags',
    request: { method: 'PUT', route: 'data_tags', body: { id: -1, name: '', category_id: -1 } },
  },
  {
    route: 'connected_data_stores',
    request: {
      method: 'PUT',
      route: 'connected_data_stores',
      body: { id: -1, name: '', endpoint: '', service_id: -1, data_tags: [] },
    },
  },
];

const ALLOWLIST_HINT =
  "if the tenant enforces an IP allowlist (Settings > Administration > IP Allowlist), add this machine's egress IP (for the deployed stack: the EgressIpAddress output with fixedEgressIp)";

/** Runs every check; later checks are skipped when an earlier one makes them meaningless. */
export async function runDoctor(ports: DoctorPorts): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (result: CheckResult) => {
    results.push(result);
    return result;
  };

  let config: DspmConfig;
  let poller: PublishingConfig;
  try {
    config = readDspmConfig(ports.env);
    poller = readPublishingConfig(ports.env, { test: config.allowAnyHost });
    readPollerConfig(ports.env, poller);
    readTaggerConfig(ports.env);
    add({
      check: 'configuration',
      status: 'ok',
      detail: `tenant ${config.tenant.host}, ${config.rateLimitRps} requests/s, page size ${config.pageSize}`,
    });
  } catch (error) {
    add({
      check: 'configuration',
      status: 'fail',
      detail: (error as Error).message,
      fix: 'set the variable it names (see the README configuration table)',
    });
    return results;
  }

  const route = proxyRouteFor(config.tenant.origin, config.proxy);
  add(judgeProxy(route, config));
  add(await checkNetwork(ports, config, route));
  const client = ports.createClient(config);

  // The token: one small read every token with any DSPM privilege can make. Fetching it from
  // Secrets Manager can fail outside DSPM's errors (no such secret, no permission): a check too.
  let first: Awaited<ReturnType<DspmClient['probe']>>;
  try {
    first = await client.probe({ method: 'GET', route: READ_ROUTES[0], query: { offset: 0, limit: 1 } });
  } catch (error) {
    add(judgeTokenSource(error as Error, config));
    return [...results, ...skipRest(['routes', 'rate limit', 'page size', 'aws', 'clock'])];
  }
  const firstAnsweredAt = ports.now();
  const token = add(judgeToken(first.error, config));
  if (token.status === 'fail')
    return [...results, ...skipRest(['routes', 'rate limit', 'page size', 'aws', 'clock'])];

  for (const route of READ_ROUTES.slice(1)) {
    const { error } = await client.probe({ method: 'GET', route, query: { offset: 0, limit: 1 } });
    add(judgeRoute(route, 'Read', error, false));
  }
  for (const probe of WRITE_PROBES) {
    const { error } = await client.probe(probe.request);
    add(judgeRoute(probe.route, 'Read+Write', error, true));
  }

  add(judgeRateLimit(first.response, config, client.stats.throttled));
  const page = await client.probe({
    method: 'GET',
    route: 'data_stores/connected',
    query: { offset: 0, limit: config.pageSize },
  });
  add(
    page.error
      ? {
          check: 'page size',
          status: 'fail',
          detail: `a page of ${config.pageSize} was refused: ${page.error.message}`,
          fix: 'lower DSPM_PAGE_SIZE (100 is safe)',
        }
      : { check: 'page size', status: 'ok', detail: `pages of ${config.pageSize} are accepted` },
  );
  results.push(...(await checkAws(ports, poller)));
  add(judgeClock(first.response, firstAnsweredAt));
  return results;
}

/** Which proxy the client uses for the tenant, as the dispatcher decides it (credentials hidden). */
function judgeProxy(route: ProxyRoute, config: DspmConfig): CheckResult {
  const target = tunnelTarget(config.tenant.origin);
  const detail = {
    direct: 'none: no HTTPS_PROXY or HTTP_PROXY applies, the tenant is reached directly',
    bypassed: `${describeProxyRoute(route)}: the tenant is reached directly`,
    proxy: `${describeProxyRoute(route)}: every call goes in a CONNECT tunnel to ${target}`,
  }[route.kind];
  return { check: 'proxy', status: 'ok', detail };
}

async function checkNetwork(ports: DoctorPorts, config: DspmConfig, route: ProxyRoute): Promise<CheckResult> {
  const host = new URL(config.tenant.origin).hostname;
  // Through a proxy, the proxy resolves the name: this machine may well not.
  const proxied = route.kind === 'proxy';
  if (!proxied) {
    try {
      await (ports.resolve ?? lookup)(host);
    } catch (error) {
      return {
        check: 'dns and tls',
        status: 'fail',
        detail: `${host} does not resolve: ${(error as Error).message}`,
        fix: "check the tenant name in DSPM_TENANT_URL, this machine's DNS, or set HTTPS_PROXY if the network requires a proxy",
      };
    }
  }
  const tls = config.tenant.origin.startsWith('https:')
    ? config.caBundlePath
      ? `TLS checked with the extra CA bundle ${config.caBundlePath}`
      : 'TLS checked on the first call'
    : 'plain http (allowed by DSPM_ALLOW_ANY_HOST: local testing only)';
  return {
    check: 'dns and tls',
    status: 'ok',
    detail: `${host}${proxied ? ' through the proxy' : ' resolves'}; ${tls}`,
  };
}

function judgeToken(error: DspmError | undefined, config: DspmConfig): CheckResult {
  const source =
    config.tokenSource.kind === 'value' ? 'DSPM_API_TOKEN' : `the secret ${config.tokenSource.secretId}`;
  if (!error) return { check: 'token', status: 'ok', detail: `accepted (from ${source})` };
  if (error instanceof DspmAuthError) {
    return {
      check: 'token',
      status: 'fail',
      detail: `refused: ${error.message}`,
      fix: `put a valid REST API v2 token in ${source}; tokens expire and can be revoked (Settings > Tools > REST API v2)`,
    };
  }
  if (error instanceof DspmPermissionError) {
    return {
      check: 'token',
      status: 'fail',
      detail: `forbidden: ${error.message}`,
      fix: `give the token Read on /api/v2/dspm/infrastructure_connections/platforms; ${ALLOWLIST_HINT}`,
    };
  }
  if (error instanceof DspmConnectionError) {
    return {
      check: 'token',
      status: 'fail',
      detail: `the tenant could not be reached: ${error.message}`,
      fix: error.untrustedCertificate
        ? 'a proxy inspects TLS on this network: set DSPM_CA_BUNDLE to a PEM file with its CA certificate'
        : error.proxyStatus !== undefined
          ? `ask the proxy's administrators to allow CONNECT to ${tunnelTarget(config.tenant.origin)}, check the credentials in the proxy URL, or put the tenant in NO_PROXY if it is reachable directly`
          : 'check network access to the tenant (firewall, HTTPS_PROXY)',
    };
  }
  return {
    check: 'token',
    status: 'fail',
    detail: error.message,
    fix: 'see the message; the x-request-id helps Netskope support',
  };
}

function judgeTokenSource(error: Error, config: DspmConfig): CheckResult {
  if (config.tokenSource.kind !== 'secrets-manager') {
    return {
      check: 'token',
      status: 'fail',
      detail: error.message,
      fix: 'see the message; the x-request-id helps Netskope support',
    };
  }
  return {
    check: 'token',
    status: 'fail',
    detail: `the token could not be fetched from Secrets Manager: ${error.message}`,
    fix: `check that DSPM_API_TOKEN_SECRET_ID (${config.tokenSource.secretId}) names a secret in this account and AWS_REGION, that these AWS credentials may call secretsmanager:GetSecretValue on it, and that it holds the token as text or {"token": "..."}`,
  };
}

function judgeRoute(
  route: string,
  privilege: 'Read' | 'Read+Write',
  error: DspmError | undefined,
  probeMustFail: boolean,
): CheckResult {
  const check = `route ${route} (${privilege})`;
  if (error instanceof DspmPermissionError) {
    return {
      check,
      status: 'fail',
      detail: 'forbidden (403)',
      fix: `give the token ${privilege} on /api/v2/dspm/${route.split('/')[0]}${privilege === 'Read+Write' ? ' (the tagger writes tags)' : ''}; ${ALLOWLIST_HINT}`,
    };
  }
  if (error instanceof DspmRateLimitError) {
    return {
      check,
      status: 'warn',
      detail: 'rate limited (429) while checking',
      fix: 'lower DSPM_RATE_LIMIT_RPS, then run doctor again',
    };
  }
  if (probeMustFail) {
    // The probe cannot apply: a 4xx other than 401/403 means the privilege is there.
    if (error && error.status !== undefined && error.status >= 400 && error.status < 500) {
      return {
        check,
        status: 'ok',
        detail: `allowed (the harmless probe was refused with ${error.status}, as intended)`,
      };
    }
    if (!error)
      return {
        check,
        status: 'warn',
        detail: 'the probe was accepted, which it should not be',
        fix: 'report this to the bridge maintainers with the route',
      };
  }
  if (error)
    return {
      check,
      status: 'fail',
      detail: error.message,
      fix: 'see the message; the x-request-id helps Netskope support',
    };
  return { check, status: 'ok', detail: 'allowed' };
}

function judgeRateLimit(
  response: DspmResponse | undefined,
  config: DspmConfig,
  throttled: number,
): CheckResult {
  const limit = Number(response?.headers['ratelimit-limit']);
  if (throttled > 0) {
    return {
      check: 'rate limit',
      status: 'warn',
      detail: `the tenant answered 429 ${throttled} time(s) during these checks`,
      fix: `lower DSPM_RATE_LIMIT_RPS (now ${config.rateLimitRps})${Number.isFinite(limit) ? ` to at most ${limit}` : ''}, or raise the tenant's global rate limit`,
    };
  }
  if (!Number.isFinite(limit)) {
    return {
      check: 'rate limit',
      status: 'ok',
      detail: `the tenant sent no RateLimit-Limit header; pacing at ${config.rateLimitRps} requests/s`,
    };
  }
  if (config.rateLimitRps > limit) {
    return {
      check: 'rate limit',
      status: 'warn',
      detail: `the tenant allows ${limit} requests/s but DSPM_RATE_LIMIT_RPS is ${config.rateLimitRps}`,
      fix: `set DSPM_RATE_LIMIT_RPS to ${limit} or less`,
    };
  }
  return {
    check: 'rate limit',
    status: 'ok',
    detail: `the tenant allows ${limit} requests/s; pacing at ${config.rateLimitRps}`,
  };
}

async function checkAws(ports: DoctorPorts, poller: PublishingConfig): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (poller.eventBusName) {
    try {
      await ports.aws.eventBridge.send(new DescribeEventBusCommand({ Name: poller.eventBusName }));
      results.push({ check: 'aws event bus', status: 'ok', detail: `${poller.eventBusName} exists` });
    } catch (error) {
      results.push({
        check: 'aws event bus',
        status: 'fail',
        detail: `${poller.eventBusName}: ${(error as Error).name}: ${(error as Error).message}`,
        fix: awsFix(error as Error, {
          missing: `create the bus (the stack does: its EventBusName output) or set EVENT_BUS_NAME to an existing bus in ${regionOf(ports.env)}`,
          denied: `let these AWS credentials call events:DescribeEventBus and events:PutEvents on ${poller.eventBusName}`,
        }),
      });
    }
  } else {
    // Not a failure (a laptop needs no bus), but never "all checks passed" without saying where events go.
    results.push({
      check: 'events',
      status: 'warn',
      detail:
        'EVENT_BUS_NAME is not set: poll, backup-event and coverage write their events as NDJSON on stdout (or --events FILE) instead of publishing them',
      fix: "to publish to EventBridge, set EVENT_BUS_NAME (the stack's EventBusName output)",
    });
  }
  if (!poller.stateTableName) {
    results.push({
      check: 'state',
      status: 'ok',
      detail: `STATE_TABLE_NAME is not set: the CLI keeps state in a local file (--state, default ${DEFAULT_STATE_FILE})`,
    });
  } else {
    try {
      const { Table } = await ports.aws.dynamoDb.send(
        new DescribeTableCommand({ TableName: poller.stateTableName }),
      );
      const indexes = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
      const missing = [STATE_TABLE.endpointIndex, STATE_TABLE.resourceIndex].filter(
        (name) => !indexes.has(name),
      );
      results.push(
        missing.length === 0
          ? {
              check: 'aws state table',
              status: 'ok',
              detail: `${poller.stateTableName} exists with its indexes`,
            }
          : {
              check: 'aws state table',
              status: 'fail',
              detail: `${poller.stateTableName} lacks the index(es) ${missing.join(', ')}`,
              fix: 'deploy the stack, or create the table as shared/state/table-design.ts describes',
            },
      );
    } catch (error) {
      results.push({
        check: 'aws state table',
        status: 'fail',
        detail: `${poller.stateTableName}: ${(error as Error).name}: ${(error as Error).message}`,
        fix: awsFix(error as Error, {
          missing: `create the table (the stack does) or set STATE_TABLE_NAME to an existing table in ${regionOf(ports.env)}`,
          denied: `let these AWS credentials read and write ${poller.stateTableName} (dynamodb:DescribeTable, GetItem, PutItem, Query, BatchWriteItem)`,
        }),
      });
    }
  }
  return results;
}

/** The fix line for an AWS call that failed: what is missing, what is denied, or the credentials. */
function awsFix(error: Error, fixes: { missing: string; denied: string }): string {
  if (/NotFound/.test(error.name)) return fixes.missing;
  if (/AccessDenied|Unauthorized|Forbidden/i.test(error.name)) return fixes.denied;
  if (
    /Credential|ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch/i.test(error.name)
  )
    return 'give the CLI valid AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION';
  return `${fixes.missing}; check AWS credentials, AWS_REGION and network access to AWS (AWS_ENDPOINT_URL if set)`;
}

function regionOf(env: Environment): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return region ? `region ${region}` : 'the configured region (AWS_REGION)';
}

function judgeClock(response: DspmResponse | undefined, now: number): CheckResult {
  const date = response?.headers.date ? Date.parse(response.headers.date) : Number.NaN;
  if (Number.isNaN(date)) return { check: 'clock', status: 'skip', detail: 'the tenant sent no Date header' };
  const skewSeconds = Math.round((now - date) / 1000);
  if (Math.abs(skewSeconds) > 300) {
    return {
      check: 'clock',
      status: 'warn',
      detail: `this machine's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} the tenant's`,
      fix: 'synchronise the clock (NTP): event times and leases depend on it',
    };
  }
  return { check: 'clock', status: 'ok', detail: `within ${Math.abs(skewSeconds)} s of the tenant's` };
}

function skipRest(checks: string[]): CheckResult[] {
  return checks.map((check) => ({
    check,
    status: 'skip' as const,
    detail: 'skipped: the token check failed',
  }));
}
