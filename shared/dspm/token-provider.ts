/**
 * Where the API token comes from: an environment string (local runs) or a Secrets Manager secret
 * (deployed runs), cached, and fetched again when the tenant answers 401 because it was rotated.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import type { TokenSource } from '../config/dspm.ts';
import { ConfigError, TransientError } from '../errors.ts';
import { Secret } from '../secret.ts';
import { isTokenPlaceholder, TokenNotSetError } from './token-placeholder.ts';

/** Supplies the token, and a fresh one after a 401. */
export interface TokenProvider {
  /** The current token (cached where the source is remote). */
  getToken(): Promise<Secret>;
  /** Fetches the token again, bypassing any cache; resolves to the same token when the source cannot change. */
  refresh(): Promise<Secret>;
  /** True when `refresh` can return a different token (a 401 is then worth one more try). */
  readonly refreshable: boolean;
}

/** A token given directly (`DSPM_API_TOKEN`). */
export function staticTokenProvider(token: string | Secret): TokenProvider {
  const secret = parseTokenValue(typeof token === 'string' ? token : token.reveal(), 'DSPM_API_TOKEN');
  return { getToken: async () => secret, refresh: async () => secret, refreshable: false };
}

/** Options of `secretsManagerTokenProvider`. */
export interface SecretsManagerTokenOptions {
  /** Secret name or ARN (`DSPM_API_TOKEN_SECRET_ID`). */
  readonly secretId: string;
  /** A configured client (endpoint, region); one is made from the environment when omitted. */
  readonly client?: SecretsManagerClient;
  /** How long a fetched token is reused, in seconds (default 300). */
  readonly maxAgeSeconds?: number;
}

/**
 * An AWS SDK error the caller made (not found, access denied, a bad request), as the SDK's own
 * retry strategy classifies errors: throttling, transient and server errors are passing.
 * Powertools wraps the SDK's error in its own, so its cause is looked at.
 */
function isPermanentAwsError(error: unknown): boolean {
  const sdkError = ((error as { cause?: unknown })?.cause ?? error) as Parameters<typeof isServerError>[0];
  if (typeof sdkError !== 'object' || sdkError === null || !('$metadata' in sdkError)) return false;
  return !(isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError));
}

/**
 * A token kept in Secrets Manager, as a plain string or JSON `{"token": "..."}`. Caching is
 * Powertools Parameters'; concurrent refreshes after a burst of 401s share one fetch.
 */
export function secretsManagerTokenProvider(options: SecretsManagerTokenOptions): TokenProvider {
  const provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  const maxAge = options.maxAgeSeconds ?? 300;
  let inFlightRefresh: Promise<Secret> | undefined;

  const fetchToken = async (forceFetch: boolean): Promise<Secret> => {
    let value: string | Uint8Array | undefined;
    try {
      value = await provider.get(options.secretId, { maxAge, forceFetch });
    } catch (error) {
      // The SDK's message names the secret and the reason; it never holds the secret value. A
      // missing secret or a denied read is the configuration's to fix; throttling or a network
      // failure passes.
      const message = `cannot read secret DSPM_API_TOKEN_SECRET_ID=${options.secretId}: ${(error as Error).message}`;
      throw isPermanentAwsError(error)
        ? new ConfigError(message, { cause: error })
        : new TransientError(message, { cause: error });
    }
    if (typeof value !== 'string') {
      throw new ConfigError(
        `secret ${options.secretId} has no SecretString; store the token as text or {"token": "..."}`,
      );
    }
    return parseSecretString(value, options.secretId);
  };

  return {
    refreshable: true,
    getToken: () => fetchToken(false),
    refresh: () => {
      inFlightRefresh ??= fetchToken(true).finally(() => {
        inFlightRefresh = undefined;
      });
      return inFlightRefresh;
    },
  };
}

/** The provider `source` names: the token itself, or a secret read through `client`. */
export function tokenProviderFor(source: TokenSource, client?: SecretsManagerClient): TokenProvider {
  return source.kind === 'value'
    ? staticTokenProvider(source.token)
    : secretsManagerTokenProvider({ secretId: source.secretId, ...(client ? { client } : {}) });
}

/**
 * Whether the token is there to use: the `TokenNotSetError` when the secret still holds the
 * stack's placeholder, else undefined. Any other failure to read the token is thrown.
 */
export async function tokenNotSet(tokens: TokenProvider): Promise<TokenNotSetError | undefined> {
  try {
    await tokens.getToken();
    return undefined;
  } catch (error) {
    if (error instanceof TokenNotSetError) return error;
    throw error;
  }
}

/**
 * Reads a secret's text: the token itself, or JSON with a `token` field.
 * @throws TokenNotSetError when it is the stack's placeholder; ConfigError when it holds no token.
 */
export function parseSecretString(text: string, secretId: string): Secret {
  if (isTokenPlaceholder(text)) throw new TokenNotSetError(secretId);
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigError(
        `secret ${secretId} starts with "{" but is not valid JSON; store {"token": "..."} or the bare token`,
      );
    }
    const token = (parsed as { token?: unknown }).token;
    if (typeof token !== 'string') {
      throw new ConfigError(`secret ${secretId} is JSON without a string "token" field`);
    }
    return parseTokenValue(token, `secret ${secretId}`);
  }
  return parseTokenValue(trimmed, `secret ${secretId}`);
}

function parseTokenValue(token: string, source: string): Secret {
  const trimmed = token.trim();
  if (trimmed === '') throw new ConfigError(`${source} is empty`);
  // A header value cannot hold control characters; say so here instead of failing inside undici.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this is exactly what is being rejected.
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new ConfigError(`${source} contains control characters`);
  return new Secret(trimmed);
}
