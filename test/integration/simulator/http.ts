/** Plain-fetch helpers for the simulator integration tests. */
import type { RunningSimulator } from '#simulator/server.ts';

/** The token a default simulator accepts. */
export const TOKEN = 'simulator-token';

/** Options of {@link call}. */
export interface CallOptions {
  method?: string;
  /** Sent as JSON with a JSON content type. */
  body?: unknown;
  /** Replaces the default `apikey` header; pass `{}` to send no token. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls `path` relative to the API base path (`/api/v2/dspm/`), or absolute when it starts with `/`. */
export function call(sim: RunningSimulator, path: string, options: CallOptions = {}): Promise<Response> {
  const url = path.startsWith('/') ? `${sim.url}${path}` : `${sim.url}/api/v2/dspm/${path}`;
  const headers: Record<string, string> = options.headers ?? { apikey: TOKEN };
  const init: RequestInit = { method: options.method ?? 'GET', headers, signal: options.signal };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return fetch(url, init);
}

/** Calls and parses the JSON body, returning status, headers and body. */
export async function callJson(
  sim: RunningSimulator,
  path: string,
  options: CallOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON that the tests check with expect()
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await call(sim, path, options);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Waits (polling the log, no fixed sleep) until `predicate` holds for some request log entry. */
export async function waitForRequest(
  sim: RunningSimulator,
  predicate: (entry: RunningSimulator['requests'][number]) => boolean,
): Promise<void> {
  while (!sim.requests.some(predicate)) await new Promise((resolve) => setTimeout(resolve, 5));
}
