/**
 * Strict flag parsing for every command (node's `parseArgs`), with a bad command line reported
 * as a usage error (exit code 2) rather than a crash.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io.ts';

/** Parses `argv` with `options` (plus `--help`/`-h`); positionals only when allowed. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & {
        help: { type: 'boolean'; short: 'h' };
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
