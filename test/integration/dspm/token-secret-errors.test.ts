/**
 * A token secret that cannot be read is either the configuration's to fix (missing, denied) or a
 * passing failure (throttled, a 5xx), and the error says which, so the entry points can tell
 * "fix the setup" from "try again". Secrets Manager here is a loopback peer answering as the
 * service does (JSON 1.1 errors with `__type`), since moto cannot be made to throttle.
 */
import { createServer, type Server } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsManagerTokenProvider } from '#shared/dspm/token-provider.ts';
import { ConfigError, TransientError } from '#shared/errors.ts';

let server: Server;
let endpoint: string;
let answer: { status: number; type: string } = { status: 400, type: 'ThrottlingException' };

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': answer.type,
        'x-amzn-requestid': 'peer-1',
      });
      response.end(JSON.stringify({ __type: answer.type, message: `simulated ${answer.type}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const provider = () =>
  secretsManagerTokenProvider({
    secretId: 'dspm/token',
    client: new SecretsManagerClient({
      endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }),
  });

describe('a token secret that cannot be read', () => {
  it.each([
    [400, 'ThrottlingException', TransientError],
    [500, 'InternalServiceError', TransientError],
    [400, 'ResourceNotFoundException', ConfigError],
    [400, 'AccessDeniedException', ConfigError],
  ])('answered %d %s is a %O', async (status, type, kind) => {
    // Arrange
    answer = { status, type };
    // Act
    const error = await provider()
      .getToken()
      .catch((caught: unknown) => caught);
    // Assert
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(/cannot read secret DSPM_API_TOKEN_SECRET_ID=dspm\/token/);
    expect((error as TransientError | ConfigError).retryable).toBe(kind === TransientError);
  });
});
