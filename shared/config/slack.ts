/**
 * The Slack notifier's settings, read once from the environment:
 * `SLACK_CHANNEL` (required), `SLACK_TOKEN_SECRET_ID` (required), `SLACK_API_URL` (default
 * `https://slack.com/api`), `SLACK_MIN_INTERVAL_MS` (default 1000: Slack's one message a second
 * per channel), `SLACK_POST_DEESCALATIONS` (default false), `DEAD_LETTER_QUEUE_URL` (malformed
 * events go there directly).
 */
import { ConfigError } from '../errors.ts';
import { booleanVar, type Environment, numberVar, optionalString, requiredString } from './env.ts';

/** The notifier's settings. */
export interface SlackSettings {
  readonly channel: string;
  readonly tokenSecretId: string;
  readonly apiUrl: string;
  readonly intervalMs: number;
  readonly postDeescalations: boolean;
  readonly deadLetterQueueUrl: string | undefined;
}

/**
 * The settings in `env`.
 * @throws ConfigError naming the variable that is missing or wrong.
 */
export function readSlackSettings(env: Environment): SlackSettings {
  const apiUrl = optionalString(env, 'SLACK_API_URL') ?? 'https://slack.com/api';
  if (!/^https?:\/\//.test(apiUrl))
    throw new ConfigError(`SLACK_API_URL must be an http(s) URL, got "${apiUrl}"`);
  return {
    channel: requiredString(env, 'SLACK_CHANNEL'),
    tokenSecretId: requiredString(env, 'SLACK_TOKEN_SECRET_ID'),
    apiUrl,
    intervalMs: numberVar(env, 'SLACK_MIN_INTERVAL_MS', 1000, { min: 0, max: 60_000, integer: true }),
    postDeescalations: booleanVar(env, 'SLACK_POST_DEESCALATIONS', false),
    deadLetterQueueUrl: optionalString(env, 'DEAD_LETTER_QUEUE_URL'),
  };
}
