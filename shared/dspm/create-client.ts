/**
 * Wires a `DspmClient` from configuration: token provider, rate limiter, dispatcher, transport.
 * The Lambda, the CLI and the tests all build their client here, so they behave the same.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { DspmConfig } from '../config/dspm.ts';
import type { Logger } from '../logger.ts';
import { DspmClient } from './client.ts';
import { createDispatcher } from './dispatcher.ts';
import { proxyRouteFor } from './proxy-route.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { RetryPolicy } from './retry.ts';
import { type TokenProvider, tokenProviderFor } from './token-provider.ts';
import { DspmTransport } from './transport.ts';

/** Ports and overrides; everything is optional. */
export interface DspmClientDependencies {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly dispatcher?: Dispatcher;
  readonly secretsManager?: SecretsManagerClient;
  /** Replaces the provider the config implies (tests). */
  readonly tokens?: TokenProvider;
  readonly retry?: Partial<RetryPolicy>;
  readonly maxResponseBytes?: number;
  readonly userAgent?: string;
  /** A shared rate budget that sets the pace (shared/budget/); without it, the configured rate. */
  readonly budget?: { rate(): Promise<number> } | undefined;
}

/** Builds a client for the configured tenant. */
export function createDspmClient(config: DspmConfig, deps: DspmClientDependencies = {}): DspmClient {
  const tokens = deps.tokens ?? tokenProviderFor(config.tokenSource, deps.secretsManager);
  const route = proxyRouteFor(config.tenant.origin, config.proxy);
  const rateLimiter = new RateLimiter(config.rateLimitRps, deps.clock);
  const budget = deps.budget;
  if (budget) rateLimiter.useBudget(() => budget.rate());
  const transport = new DspmTransport({
    tenant: config.tenant,
    tokens,
    rateLimiter,
    dispatcher:
      deps.dispatcher ??
      createDispatcher({ caBundlePath: config.caBundlePath, connections: config.concurrency * 2, route }),
    proxyRoute: deps.dispatcher ? undefined : route,
    timeoutMs: config.timeoutMs,
    retry: deps.retry,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger,
    maxResponseBytes: deps.maxResponseBytes,
    userAgent: deps.userAgent,
  });
  return new DspmClient(transport, { pageSize: config.pageSize, concurrency: config.concurrency });
}
