/**
 * What each fault kind does to a response. Faults that replace the answer (`status`,
 * `rate-limit`, `reset`, `hang`, `status-error`) act before the handler runs, so a write they hit
 * is not applied; the others reshape the real answer, so a write they hit is applied and only the
 * response is damaged (the "did it happen?" case a client must survive).
 */
import type { FaultRule } from './faults.ts';
import type { Reply } from './reply.ts';

/** Default size of an `oversized` body: 20 MiB. */
export const DEFAULT_OVERSIZED_BYTES = 20 * 1024 * 1024;

/** Fault kinds that need the real response. */
export function reshapesResponse(rule: FaultRule): boolean {
  return ['slow-body', 'malformed-json', 'wrong-shape', 'oversized', 'total-mismatch'].includes(rule.kind);
}

/**
 * The longest prefix of `text`, cut at about half, that is no longer valid JSON (a bare number
 * such as `11` stays valid when cut to `1`, so it is cut further, down to nothing if need be).
 */
export function truncateJson(text: string): string {
  let cut = text.slice(0, Math.floor(text.length / 2));
  for (;;) {
    try {
      JSON.parse(cut);
    } catch {
      return cut;
    }
    cut = cut.slice(0, -1);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The real payload with `total` as a string and the first result's `id` as a string. A payload
 * without a list (a created tag) gets its `id` stringified; a bare number becomes a string.
 */
export function wrongShape(body: unknown): unknown {
  if (typeof body === 'number') return String(body);
  if (!isRecord(body)) return body;
  const copy: Record<string, unknown> = { ...body };
  if (typeof copy.total === 'number') copy.total = String(copy.total);
  const listKey = Array.isArray(copy.results)
    ? 'results'
    : Array.isArray(copy.data_tags)
      ? 'data_tags'
      : undefined;
  if (listKey !== undefined) {
    const [first, ...rest] = copy[listKey] as unknown[];
    if (isRecord(first)) copy[listKey] = [{ ...first, id: String(first.id) }, ...rest];
  } else if (typeof copy.id === 'number') {
    copy.id = String(copy.id);
  }
  return copy;
}

/** The real page with `total` moved by `delta` (unchanged if there is no numeric total). */
export function shiftTotal(body: unknown, delta: number): unknown {
  if (!isRecord(body) || typeof body.total !== 'number') return body;
  return { ...body, total: body.total + delta };
}

/** `text` followed by spaces up to `bytes` bytes: still the same JSON value, just large. */
export function padJson(text: string, bytes: number): Buffer {
  const body = Buffer.from(text, 'utf8');
  if (body.length >= bytes) return body;
  const padded = Buffer.alloc(bytes, 0x20);
  body.copy(padded);
  return padded;
}

/** The `Retry-After` value of a `rate-limit` fault: seconds, or an HTTP-date at least that far ahead. */
export function retryAfterHeader(seconds: number, asDate: boolean, nowMs: number): string {
  if (!asDate) return String(Math.ceil(seconds));
  // HTTP-dates have whole seconds: round up so the date is never earlier than promised.
  return new Date(Math.ceil((nowMs + seconds * 1000) / 1000) * 1000).toUTCString();
}

/**
 * Sends status and headers now, then `payload` in `chunkBytes` pieces `chunkDelayMs` apart. Stops
 * quietly when the client goes away or `signal` aborts (the simulator is closing).
 */
export function sendSlowly(
  reply: Reply,
  status: number,
  payload: Buffer,
  chunkBytes: number,
  chunkDelayMs: number,
  signal: AbortSignal,
): void {
  reply.head(status, {}, payload.length);
  reply.response.flushHeaders();
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => clearTimeout(timer);
  signal.addEventListener('abort', stop, { once: true });
  reply.response.once('close', () => {
    stop();
    signal.removeEventListener('abort', stop);
  });
  const step = (): void => {
    if (!reply.writable) return;
    const chunk = payload.subarray(offset, offset + chunkBytes);
    offset += chunk.length;
    if (offset >= payload.length) {
      reply.end(chunk);
      return;
    }
    reply.response.write(chunk);
    timer = setTimeout(step, chunkDelayMs);
  };
  step();
}
