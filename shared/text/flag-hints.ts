/**
 * Friendlier command lines around node's `parseArgs`, for the CLI and the simulator alike:
 * a negative number given to a flag that takes a value reaches the flag (so `--stores -5` is told
 * what range it needs, not "argument is ambiguous"), and an unknown flag is answered with the
 * closest known one rather than node's hint about positionals after `--`.
 */
import { closest } from './edit-distance.ts';

/** Options as `parseArgs` takes them (only the type matters here). */
type OptionTypes = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** `argv` with `--flag -5` written as `--flag=-5` for flags that take a value. */
export function attachNegativeValues(argv: readonly string[], options: OptionTypes): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The message for a `parseArgs` error: an unknown flag gets "did you mean"; others pass through. */
export function describeFlagError(error: unknown, options: OptionTypes): string {
  const message = (error as Error)?.message ?? String(error);
  const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(message);
  if ((error as { code?: string })?.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !unknown?.[1]) return message;
  const flag = unknown[1];
  const suggestion = closest(flag.replace(/^-+/, ''), Object.keys(options));
  return `unknown option ${flag}${suggestion ? `; did you mean --${suggestion}?` : ''}`;
}
