import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DspmAuthError, DspmPermissionError } from '#shared/dspm/errors.ts';
import { secretsManagerTokenProvider } from '#shared/dspm/token-provider.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';

const OLD_TOKEN = 'old-token-8d1f7a';
const NEW_TOKEN = 'new-token-c04e19';
const READ_TOKEN = 'read-token-77ab30';

describe('authentication', () => {
  let sim: RunningSimulator;
  const capture = new Capture();
  const secrets = new SecretsManagerClient({ ...MOTO_AWS, endpoint: inject('motoEndpoint') });

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: OLD_TOKEN, access: 'read-write' }] });
  });
  afterAll(async () => {
    await sim.close();
    const everything = `${capture.text()}\n${JSON.stringify(sim.requests)}`;
    for (const token of [OLD_TOKEN, NEW_TOKEN, READ_TOKEN]) expect(everything).not.toContain(token);
  });

  it('sends the token in both the apikey and the Netskope-Api-Token header', async () => {
    sim.clearRequests();
    await testClient(sim.url, { token: OLD_TOKEN }).platforms().toArray(100);
    expect(sim.requests.map((r) => r.authHeader)).toEqual(['both']);
  });

  it('after a 401 fetches the rotated secret once and succeeds', async () => {
    // Arrange: the secret holds the old token (as JSON), the client caches it, then both rotate.
    const secretId = `dspm-token-${Date.now()}`;
    await secrets.send(
      new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ token: OLD_TOKEN }) }),
    );
    const tokens = secretsManagerTokenProvider({ secretId, client: secrets });
    const client = testClient(sim.url, { tokens, logger: capture });
    await client.platforms().toArray(100);
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: NEW_TOKEN }));
    sim.setTokens([{ token: NEW_TOKEN, access: 'read-write' }]);
    try {
      // Act
      const stores = await client.connectedDataStores().toArray(100);
      // Assert
      expect(stores).toHaveLength(3);
      expect(client.stats).toMatchObject({ tokenRefreshes: 1, failures: 0 });
      expect(capture.lines.map((l) => l.message)).toContain('DSPM answered 401; fetching the token again');
    } finally {
      sim.setTokens([{ token: OLD_TOKEN, access: 'read-write' }]);
    }
  });

  it('fails with an auth error when the refreshed token is refused too', async () => {
    const secretId = `dspm-token-stale-${Date.now()}`;
    await secrets.send(new CreateSecretCommand({ Name: secretId, SecretString: NEW_TOKEN }));
    const client = testClient(sim.url, {
      tokens: secretsManagerTokenProvider({ secretId, client: secrets }),
      logger: capture,
    });
    const error = await capture.caught(() => client.platforms().toArray(100));
    expect(error).toBeInstanceOf(DspmAuthError);
    expect(error.message).toMatch(/unauthorized .*check the API token/);
    expect(client.stats).toMatchObject({ requests: 2, tokenRefreshes: 1 });
  });

  it('fails at once on a 401 when the token cannot change (a plain variable)', async () => {
    const client = testClient(sim.url, { token: NEW_TOKEN, logger: capture });
    const error = await capture.caught(() => client.platforms().toArray(100));
    expect(error).toBeInstanceOf(DspmAuthError);
    expect(client.stats).toMatchObject({ requests: 1, tokenRefreshes: 0 });
  });

  it('reports a missing privilege as a permission error that mentions the allowlist', async () => {
    sim.setTokens([
      { token: OLD_TOKEN, access: 'read-write' },
      { token: READ_TOKEN, access: 'read' },
    ]);
    const client = testClient(sim.url, { token: READ_TOKEN, logger: capture });
    const error = await capture.caught(() =>
      client.updateConnectedDataStoreTags({
        id: 3,
        name: 'production',
        endpoint: 'x',
        service_id: 5,
        data_tags: [],
      }),
    );
    expect(error).toBeInstanceOf(DspmPermissionError);
    expect(error.message).toMatch(/^PUT connected_data_stores: forbidden .*privilege.*IP allowlist/);
    expect(client.stats.requests).toBe(1);
  });

  it('names the secret when it cannot be read, without a token in sight', async () => {
    const client = testClient(sim.url, {
      tokens: secretsManagerTokenProvider({ secretId: 'no-such-secret', client: secrets }),
    });
    const error = await capture.caught(() => client.platforms().toArray(100));
    expect(error.message).toMatch(/cannot read secret DSPM_API_TOKEN_SECRET_ID=no-such-secret/);
  });
});
