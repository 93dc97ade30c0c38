/**
 * "The token is not set yet": the value the stack puts in the token secret it creates, and how
 * the bridge recognises it. Before the operator stores a real token, the functions make no DSPM
 * call (each would be a 401), say once per run which secret to fill and how, and count
 * `TokenNotSet`. The stack (infra) and the token provider both read this module, so the value
 * generated and the value recognised cannot drift apart.
 */
import { ConfigError } from '../errors.ts';

/** The JSON field that marks the stack's placeholder; a real token secret never has it. */
export const TOKEN_PLACEHOLDER_FIELD = 'dspmBridgeTokenNotSet';

/**
 * Secrets Manager's `GenerateSecretString` for the placeholder: a JSON object with the marker and
 * a random filler (Secrets Manager must generate something; the filler is never used).
 *
 * Never change these values: CloudFormation replaces a secret whose `GenerateSecretString`
 * changes, which on a deployed stack would swap the operator's token for a new placeholder.
 */
export const TOKEN_PLACEHOLDER_GENERATION = {
  secretStringTemplate: JSON.stringify({
    [TOKEN_PLACEHOLDER_FIELD]:
      'Replace this value with the Netskope REST API v2 token (plain, or {"token": "..."})',
  }),
  generateStringKey: 'filler',
  excludePunctuation: true,
  passwordLength: 16,
} as const;

/** True when `text` (a secret's value) is the stack's placeholder rather than a token. */
export function isTokenPlaceholder(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return false;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    return typeof parsed === 'object' && parsed !== null && TOKEN_PLACEHOLDER_FIELD in parsed;
  } catch {
    return false;
  }
}

/** The command an operator runs to store the token in `secretId`. */
export function setTokenCommand(secretId: string): string {
  return `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"token":"<token>"}'`;
}

/** The token secret still holds the stack's placeholder: nothing can reach DSPM until it is set. */
export class TokenNotSetError extends ConfigError {
  readonly secretId: string;

  constructor(secretId: string) {
    super(
      `the Netskope API token is not set: secret ${secretId} still holds the placeholder the stack generated; set it with: ${setTokenCommand(secretId)}`,
    );
    this.name = 'TokenNotSetError';
    this.secretId = secretId;
  }
}
