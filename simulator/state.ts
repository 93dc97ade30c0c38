/** Everything a running simulator holds, shared by the API and control handlers. */
import type { TokenRegistry } from './auth.ts';
import type { FaultQueue } from './faults.ts';
import type { TenantRateLimiter } from './rate-limit.ts';
import type { RequestLog, RequestLogEntry } from './request-log.ts';
import type { Tenant } from './tenant.ts';

/** The live parts of one simulator instance. */
export interface SimulatorState {
  tenant: Tenant;
  tokens: TokenRegistry;
  faults: FaultQueue;
  log: RequestLog;
  /** Absent when no rate limit is configured. */
  limiter: TenantRateLimiter | undefined;
  /** Whether admitted responses carry RateLimit-* headers (a 429 always carries Retry-After). */
  rateLimitHeaders: boolean;
  latencyMs: number;
  maxPageSize: number;
  onRequest: ((entry: RequestLogEntry) => void | Promise<void>) | undefined;
  /** Aborted when the simulator closes: pending delays and slow bodies stop. */
  signal: AbortSignal;
}
