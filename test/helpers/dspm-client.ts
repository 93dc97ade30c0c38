import { readDspmConfig } from '#shared/config/dspm.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { createDspmClient, type DspmClientDependencies } from '#shared/dspm/create-client.ts';

/** Settings of a test client; anything not given gets a fast, test-friendly default. */
export interface TestClientOptions extends DspmClientDependencies {
  readonly token?: string;
  readonly rps?: number;
  readonly pageSize?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
}

/** A real client pointed at a loopback simulator, retries with millisecond backoff. */
export function testClient(url: string, options: TestClientOptions = {}): DspmClient {
  const config = readDspmConfig({
    DSPM_TENANT_URL: url,
    DSPM_API_TOKEN: options.token ?? 'simulator-token',
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: String(options.rps ?? 1000),
    DSPM_PAGE_SIZE: String(options.pageSize ?? 100),
    DSPM_CONCURRENCY: String(options.concurrency ?? 4),
    DSPM_TIMEOUT_MS: String(options.timeoutMs ?? 5_000),
  });
  return createDspmClient(config, {
    ...options,
    retry: { baseDelayMs: 1, maxDelayMs: 20, ...options.retry },
  });
}
