import { describe, expect, it } from 'vitest';
import { createAwsClients } from '#shared/aws/clients.ts';
import { systemClock } from '#shared/clock.ts';
import { ConfigError } from '#shared/errors.ts';
import { silentLogger } from '#shared/logger.ts';
import { createPollerRuntime } from '#shared/roots/poller-runtime.ts';
import { createTaggerRuntime } from '#shared/roots/tagger-runtime.ts';

/** A deployed function's environment, with one poller setting wrong. */
const env = {
  DSPM_TENANT_URL: 'https://acme.goskope.com',
  DSPM_API_TOKEN: 'token-for-the-test',
  EVENT_BUS_NAME: 'dspm-bridge',
  STATE_TABLE_NAME: 'dspm-bridge-state',
  RISK_BANDS: '50,40,90',
};
const options = { aws: createAwsClients(), logger: silentLogger, clock: systemClock };

describe('each function has its own runtime', () => {
  it("starts the tagger although a poller setting is wrong: the tagger never reads the poller's settings", () => {
    const tagger = createTaggerRuntime(env, options);
    expect(tagger.publishing).toMatchObject({ eventBusName: 'dspm-bridge', source: 'netskope.dspm' });
  });

  it('stops the poller on the same setting, naming it', () => {
    expect(() => createPollerRuntime(env, options)).toThrow(ConfigError);
    expect(() => createPollerRuntime(env, options)).toThrow(/RISK_BANDS/);
  });
});
