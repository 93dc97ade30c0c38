/**
 * Command-line flags of the standalone simulator (`node simulator/main.ts`), shared with the
 * `dspm-bridge simulator` command. Parsing is strict: an unknown flag or a bad number is a usage
 * error (exit code 2), never a silent default.
 */
import { parseArgs } from 'node:util';
import { attachNegativeValues, describeFlagError } from '#shared/text/flag-hints.ts';
import { RATE_LIMITER_KINDS, type RateLimiterKind } from './rate-limit.ts';

/** Usage text printed with `--help` and after a usage error, naming the command as it was run. */
export function simulatorUsage(program = 'node simulator/main.ts'): string {
  return `usage: ${program} [--port N] [--stores N] [--latency-ms N] [--rate-limit RPS]
       [--rate-limit-kind KIND] [--rate-limit-burst N] [--rate-limit-headers on|off] [--seed N]

  --port N                 port on 127.0.0.1 (default 0: any free port)
  --stores N               generate N connected stores (default: the API guide's example tenant)
  --latency-ms N           delay every API response by N milliseconds
  --rate-limit RPS         global rate limit in requests per second (default: none)
  --rate-limit-kind KIND   how the limit counts: sliding-window (default, strictest),
                           fixed-window or token-bucket
  --rate-limit-burst N     bucket size of a token-bucket limit (default: RPS)
  --rate-limit-headers on|off
                           RateLimit-* headers on every response (default off: a 429
                           carries only Retry-After)
  --seed N                 seed of the generated data and fault probabilities

The token is DSPM_API_TOKEN from the environment, else "simulator-token".`;
}

/** The usage of `node simulator/main.ts`. */
export const USAGE = simulatorUsage();

/** A bad command line; the message says which flag and why. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The simulator options a command line can set. */
export interface SimulatorArgs {
  port?: number;
  stores?: number;
  latencyMs?: number;
  rateLimitRps?: number;
  rateLimitKind?: RateLimiterKind;
  rateLimitBurst?: number;
  rateLimitHeaders?: boolean;
  seed?: number;
}

const OPTIONS = {
  port: { type: 'string' },
  stores: { type: 'string' },
  'latency-ms': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-limit-kind': { type: 'string' },
  'rate-limit-burst': { type: 'string' },
  'rate-limit-headers': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the command line asks for. */
export type ParsedCommand = { kind: 'run'; options: SimulatorArgs } | { kind: 'help' };

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new UsageError(`--${flag} must be an integer ${range}, got "${text}"`);
  }
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${flag} must be a positive number, got "${text}"`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === text.trim());
  if (found === undefined)
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${text}"`);
  return found;
}

/**
 * Parses the arguments after the script name. Throws {@link UsageError} for an unknown flag, a
 * missing value, a positional argument or a value out of range.
 */
export function parseSimulatorArgs(argv: readonly string[]): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      // `--stores -5` reaches --stores (and its range check) instead of reading as a flag.
      args: attachNegativeValues(argv, OPTIONS),
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    }));
  } catch (error) {
    throw new UsageError(describeFlagError(error, OPTIONS));
  }
  if (values.help === true) return { kind: 'help' };
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const options: SimulatorArgs = {};
  const port = text('port');
  if (port !== undefined) options.port = integer('port', port, 0, 65535);
  const stores = text('stores');
  if (stores !== undefined) options.stores = integer('stores', stores, 0);
  const latency = text('latency-ms');
  if (latency !== undefined) options.latencyMs = integer('latency-ms', latency, 0);
  const rate = text('rate-limit');
  if (rate !== undefined) options.rateLimitRps = positiveNumber('rate-limit', rate);
  const kind = text('rate-limit-kind');
  if (kind !== undefined) options.rateLimitKind = oneOf('rate-limit-kind', kind, RATE_LIMITER_KINDS);
  const burst = text('rate-limit-burst');
  if (burst !== undefined) options.rateLimitBurst = integer('rate-limit-burst', burst, 1);
  const headers = text('rate-limit-headers');
  if (headers !== undefined)
    options.rateLimitHeaders = oneOf('rate-limit-headers', headers, ['on', 'off']) === 'on';
  if (options.rateLimitRps === undefined && (kind ?? burst ?? headers) !== undefined) {
    throw new UsageError(
      '--rate-limit-kind, --rate-limit-burst and --rate-limit-headers need --rate-limit RPS',
    );
  }
  const seed = text('seed');
  if (seed !== undefined) options.seed = integer('seed', seed, Number.MIN_SAFE_INTEGER);
  return { kind: 'run', options };
}
