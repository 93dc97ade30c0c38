/**
 * Strict flag parsing for every command (node's `parseArgs`), with a bad command line reported
 * as a usage error (exit code 2) rather than a crash, and an unknown flag answered with the
 * closest known one.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { attachNegativeValues, describeFlagError } from '#shared/text/flag-hints.ts';
import { UsageError } from './io.ts';

/** Parses `argv` with `options` (plus `--help`/`-h`); positionals only when allowed. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
) {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as O & {
    help: { type: 'boolean'; short: 'h' };
  };
  try {
    return parseArgs({ args: attachNegativeValues(argv, all), strict: true, allowPositionals, options: all });
  } catch (error) {
    throw new UsageError(describeFlagError(error, all));
  }
}
