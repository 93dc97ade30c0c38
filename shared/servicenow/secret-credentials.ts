/**
 * ServiceNow credentials from a Secrets Manager secret holding JSON
 * `{"username": "...", "password": "..."}`. Read once per process and again on `refresh` (after a
 * 401: the password was rotated). The password travels as a `Secret`, so it never prints; errors
 * name the secret and the missing field, never a value.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigError, TransientError } from '../errors.ts';
import { Secret } from '../secret.ts';
import type { CredentialsProvider, ServiceNowCredentials } from './table-client.ts';

/** Credentials read from Secrets Manager. */
export class SecretsManagerCredentials implements CredentialsProvider {
  readonly #client: SecretsManagerClient;
  readonly #secretId: string;
  #current: Promise<ServiceNowCredentials> | undefined;

  constructor(client: SecretsManagerClient, secretId: string) {
    this.#client = client;
    this.#secretId = secretId;
  }

  get(): Promise<ServiceNowCredentials> {
    this.#current ??= this.#read();
    // A failed read is not cached: the next record tries again.
    this.#current.catch(() => {
      this.#current = undefined;
    });
    return this.#current;
  }

  refresh(): Promise<ServiceNowCredentials> {
    this.#current = undefined;
    return this.get();
  }

  async #read(): Promise<ServiceNowCredentials> {
    let text: string | undefined;
    try {
      const result = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#secretId }));
      text = result.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        throw new ConfigError(`the ServiceNow credentials secret ${this.#secretId} does not exist`);
      }
      const name = error instanceof Error ? error.name : 'error';
      throw new TransientError(
        `the ServiceNow credentials secret ${this.#secretId} could not be read now (${name})`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text ?? '');
    } catch {
      throw new ConfigError(
        `the ServiceNow credentials secret ${this.#secretId} is not JSON {"username","password"}`,
      );
    }
    const { username, password } = (value ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
      throw new ConfigError(
        `the ServiceNow credentials secret ${this.#secretId} needs non-empty "username" and "password" strings`,
      );
    }
    return { username, password: new Secret(password) };
  }
}
