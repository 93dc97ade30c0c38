/**
 * Fault rules: misbehaviour to inject into API responses, in order, each for a number of matching
 * requests. What each kind does to a response lives in fault-responses.ts; this module only holds,
 * validates and hands out rules.
 */
import { normalizeRoute } from './auth.ts';
import { HttpError } from './errors.ts';
import { createRng, type Rng } from './prng.ts';

/** Every fault kind, in the order the brief lists them. */
export const FAULT_KINDS = [
  'status',
  'rate-limit',
  'reset',
  'hang',
  'slow-body',
  'malformed-json',
  'status-error',
  'wrong-shape',
  'oversized',
  'total-mismatch',
] as const;

/** What a fault does to the response. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which requests a rule applies to; every given criterion must hold. */
export interface FaultMatch {
  /** HTTP method, any case. */
  method?: string;
  /** Route pattern, e.g. `data_stores/connected` or `data_tags/{id}`. */
  route?: string;
  /** The request's `offset` query parameter (absent counts as 0). */
  offset?: number;
}

interface FaultRuleBase {
  /** How many matching requests the rule hits before it is used up (default 1). */
  count?: number;
  /** Chance (0..1) that a matching request is hit, drawn from the simulator's seeded RNG (default 1). */
  probability?: number;
  match?: FaultMatch;
}

/**
 * One fault rule. Kinds and their parameters:
 * - `status`: respond `status` (default 500) with a JSON message; optional `retryAfter` seconds.
 * - `rate-limit`: 429 with `Retry-After` of `retryAfter` seconds (default 1), or an HTTP-date that
 *   far ahead when `retryAfterDate` is true; RateLimit-* headers say 0 remaining.
 * - `reset`: destroy the socket without answering.
 * - `hang`: never answer (until the simulator closes).
 * - `slow-body`: status and headers at once, then the real body `chunkBytes` (default 256) at a
 *   time, `chunkDelayMs` (default 50) apart.
 * - `malformed-json`: 200 with the real body cut short.
 * - `status-error`: 200 with `{"status": "error", "message": ...}`.
 * - `wrong-shape`: 200 with the real payload, but `total` a string and one result's `id` a string.
 * - `oversized`: 200 with the real body padded with whitespace (still valid JSON) to `bytes`
 *   (default 20 MiB).
 * - `total-mismatch`: 200 with a real page whose `total` is off by `delta` (default 1).
 */
export type FaultRule = FaultRuleBase &
  (
    | { kind: 'status'; status?: number; message?: string; retryAfter?: number }
    | { kind: 'rate-limit'; retryAfter?: number; retryAfterDate?: boolean }
    | { kind: 'reset' }
    | { kind: 'hang' }
    | { kind: 'slow-body'; chunkBytes?: number; chunkDelayMs?: number }
    | { kind: 'malformed-json' }
    | { kind: 'status-error'; message?: string }
    | { kind: 'wrong-shape' }
    | { kind: 'oversized'; bytes?: number }
    | { kind: 'total-mismatch'; delta?: number }
  );

/** A pending rule and how many more requests it will hit. */
export interface PendingFault {
  rule: FaultRule;
  remaining: number;
}

/** What a rule is matched against. */
export interface FaultRequest {
  method: string;
  route: string;
  offset: number;
}

type Check = (value: unknown) => boolean;

const isInteger: Check = (value) => Number.isSafeInteger(value);
const isPositiveInteger: Check = (value) => Number.isSafeInteger(value) && (value as number) > 0;
const isNonNegative: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';

/** Parameters each kind takes: name, check, and what the check means (for the error message). */
const PARAMETERS: Readonly<Record<FaultKind, Readonly<Record<string, readonly [Check, string]>>>> = {
  status: {
    status: [
      (value) => isInteger(value) && (value as number) >= 400 && (value as number) <= 599,
      'a 4xx or 5xx code',
    ],
    message: [isString, 'a string'],
    retryAfter: [isNonNegative, 'a number of seconds'],
  },
  'rate-limit': {
    retryAfter: [isNonNegative, 'a number of seconds'],
    retryAfterDate: [isBoolean, 'a boolean'],
  },
  reset: {},
  hang: {},
  'slow-body': {
    chunkBytes: [isPositiveInteger, 'a positive integer'],
    chunkDelayMs: [isNonNegative, 'a non-negative number'],
  },
  'malformed-json': {},
  'status-error': { message: [isString, 'a string'] },
  'wrong-shape': {},
  oversized: { bytes: [isPositiveInteger, 'a positive integer'] },
  'total-mismatch': { delta: [(value) => isInteger(value) && value !== 0, 'a non-zero integer'] },
};

function invalid(message: string): HttpError {
  return new HttpError(400, `invalid fault rule: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMatch(value: unknown): FaultMatch {
  if (!isObject(value)) throw invalid('"match" must be an object');
  const match: FaultMatch = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'method' && isString(item)) match.method = (item as string).toUpperCase();
    else if (key === 'route' && isString(item)) match.route = normalizeRoute(item as string);
    else if (key === 'offset' && isInteger(item) && (item as number) >= 0) match.offset = item as number;
    else if (key === 'method' || key === 'route') throw invalid(`"match.${key}" must be a string`);
    else if (key === 'offset') throw invalid('"match.offset" must be a non-negative integer');
    else throw invalid(`unknown field "match.${key}"; match takes method, route and offset`);
  }
  return match;
}

/**
 * Validates a rule (from code or from a JSON body) and returns a normalized copy. Throws a 400
 * {@link HttpError} naming the offending field, unknown fields included (a typo must not silently
 * turn into a default).
 */
export function parseFaultRule(input: unknown): FaultRule {
  if (!isObject(input)) throw invalid('a rule must be a JSON object');
  const kind = input.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`"kind" must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const parameters = PARAMETERS[kind as FaultKind];
  const rule: Record<string, unknown> = { kind };
  for (const [key, value] of Object.entries(input)) {
    if (key === 'kind' || value === undefined) continue;
    if (key === 'count') {
      if (!(isPositiveInteger(value) || value === Number.POSITIVE_INFINITY)) {
        throw invalid('"count" must be a positive integer');
      }
      rule.count = value;
    } else if (key === 'probability') {
      if (!isNonNegative(value) || (value as number) > 1)
        throw invalid('"probability" must be between 0 and 1');
      rule.probability = value;
    } else if (key === 'match') {
      rule.match = parseMatch(value);
    } else {
      const parameter = Object.hasOwn(parameters, key) ? parameters[key] : undefined;
      if (parameter === undefined) {
        const known = ['count', 'probability', 'match', ...Object.keys(parameters)].join(', ');
        throw invalid(`unknown field "${key}" for kind "${kind}"; it takes ${known}`);
      }
      const [check, meaning] = parameter;
      if (!check(value)) throw invalid(`"${key}" must be ${meaning}`);
      rule[key] = value;
    }
  }
  return rule as unknown as FaultRule;
}

function matches(match: FaultMatch | undefined, request: FaultRequest): boolean {
  if (match === undefined) return true;
  return (
    (match.method === undefined || match.method === request.method) &&
    (match.route === undefined || match.route === request.route) &&
    (match.offset === undefined || match.offset === request.offset)
  );
}

/** The pending rules, consulted in the order they were added. */
export class FaultQueue {
  #pending: PendingFault[] = [];
  readonly #rng: Rng;

  constructor(seed: number) {
    this.#rng = createRng(seed);
  }

  /** Adds a rule at the end of the queue; throws (400 HttpError) if it is not valid. */
  add(rule: FaultRule): FaultRule {
    const parsed = parseFaultRule(rule);
    this.#pending.push({ rule: parsed, remaining: parsed.count ?? 1 });
    return parsed;
  }

  clear(): void {
    this.#pending = [];
  }

  /** How many rules are not used up yet. */
  pending(): number {
    return this.#pending.length;
  }

  /** Copies of the pending rules with what is left of each. */
  list(): PendingFault[] {
    return this.#pending.map((entry) => ({ rule: structuredClone(entry.rule), remaining: entry.remaining }));
  }

  /**
   * The first pending rule that matches the request and wins its probability draw, used once;
   * undefined if none applies.
   */
  take(request: FaultRequest): FaultRule | undefined {
    for (const [index, entry] of this.#pending.entries()) {
      if (!matches(entry.rule.match, request)) continue;
      const { probability = 1 } = entry.rule;
      if (probability < 1 && !this.#rng.chance(probability)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.#pending.splice(index, 1);
      return entry.rule;
    }
    return undefined;
  }
}
