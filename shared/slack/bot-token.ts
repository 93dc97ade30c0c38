/**
 * The Slack bot token out of its secret's value. The stack has always stored it as the header
 * value `Bearer xoxb-...` (what the old API destination sent); a bare `xoxb-...` is accepted too.
 */
import { ConfigError } from '../errors.ts';
import { Secret } from '../secret.ts';

/**
 * The token in `value`, wrapped so it is never printed.
 * @throws ConfigError naming what the value should look like (never the value itself).
 */
export function botTokenOf(value: string): Secret {
  const token = value.trim().replace(/^Bearer\s+/i, '');
  if (!/^xox[a-z]-\S+$/.test(token)) {
    throw new ConfigError(
      'the Slack token secret must hold a bot token: "Bearer xoxb-..." or "xoxb-..." (the value is not shown)',
    );
  }
  return new Secret(token);
}
