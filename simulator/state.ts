/** Everything a running simulator holds, shared by the API and control handlers. */
import type { TokenRegistry } from './auth.ts';
import type { FaultQueue } from './faults.ts';
import type { TokenBucket } from './rate-limit.ts';
import type { RequestLog, RequestLogEntry } from './request-log.ts';
import type { Tenant } from './tenant.ts';

/** The live parts of one simulator instance. */
export interface SimulatorState {
  tenant: Tenant;
  tokens: TokenRegistry;
  faults: FaultQueue;
  log: RequestLog;
  /** Absent when no rate limit is configured. */
  bucket: TokenBucket | undefined;
  latencyMs: number;
  maxPageSize: number;
  onRequest: ((entry: RequestLogEntry) => void | Promise<void>) | undefined;
  /** Aborted when the simulator closes: pending delays and slow bodies stop. */
  signal: AbortSignal;
}
