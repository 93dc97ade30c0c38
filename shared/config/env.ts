/**
 * Strict readers for environment variables: trimmed, empty treated as unset, numbers and booleans
 * parsed exactly, every error naming the variable (the Powertools `envUtils` habit).
 */
import { ConfigError } from '../errors.ts';

/** The environment as a plain record (`process.env`, or a test's own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The trimmed value, or undefined when unset or blank. */
export function optionalString(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The trimmed value.
 * @throws ConfigError `<name> is not set` when it is unset or blank.
 */
export function requiredString(env: Environment, name: string): string {
  const value = optionalString(env, name);
  if (value === undefined) throw new ConfigError(`${name} is not set`);
  return value;
}

/** `true`/`false` (any case), `1`/`0`; unset gives `fallback`. */
export function booleanVar(env: Environment, name: string, fallback: boolean): boolean {
  const value = optionalString(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/** A number within [min, max]; unset gives `fallback`. */
export function numberVar(
  env: Environment,
  name: string,
  fallback: number,
  bounds: { min: number; max: number; integer?: boolean },
): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !/^-?\d+(\.\d+)?$/.test(raw))
    throw new ConfigError(`${name} must be a number, got "${raw}"`);
  if (bounds.integer && !Number.isInteger(value))
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  if (value < bounds.min || value > bounds.max) {
    throw new ConfigError(`${name} must be between ${bounds.min} and ${bounds.max}, got ${raw}`);
  }
  return value;
}
