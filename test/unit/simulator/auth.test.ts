import { describe, expect, it } from 'vitest';
import { authHeaderUsed, authorize, normalizeRoute, TokenRegistry } from '#simulator/auth.ts';
import type { HttpError } from '#simulator/errors.ts';

const registry = new TokenRegistry([
  { token: 'rw-token', access: 'read-write' },
  { token: 'ro-token', access: 'read', routes: ['/api/v2/dspm/data_stores/connected', 'data_tags'] },
]);

function statusOf(operation: () => unknown): number | undefined {
  try {
    operation();
    return undefined;
  } catch (error) {
    return (error as HttpError).status;
  }
}

describe('TokenRegistry.authenticate', () => {
  it.each([
    [{ apikey: 'rw-token' }, 'read-write'],
    [{ 'netskope-api-token': 'rw-token' }, 'read-write'],
    [{ apikey: 'ro-token', 'netskope-api-token': 'ro-token' }, 'read'],
  ])('accepts %j', (headers, access) => {
    expect(registry.authenticate(headers).access).toBe(access);
  });

  it.each([
    [{}, 'missing API token'],
    [{ apikey: '' }, 'missing API token'],
    [{ apikey: 'wrong' }, 'invalid or expired API token'],
    [{ apikey: 'rw-token', 'netskope-api-token': 'ro-token' }, 'carry different tokens'],
  ])('answers %j with 401', (headers, message) => {
    expect(statusOf(() => registry.authenticate(headers))).toBe(401);
    expect(() => registry.authenticate(headers)).toThrow(message);
  });

  it('never puts a token value into an error message', () => {
    const messages = [
      { apikey: 'wrong-secret' },
      { apikey: 'rw-token', 'netskope-api-token': 'ro-token' },
    ].map((headers) => {
      try {
        registry.authenticate(headers);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages.join(' ')).not.toMatch(/wrong-secret|rw-token|ro-token/);
  });

  it('forgets old tokens when the list is replaced', () => {
    const rotating = new TokenRegistry([{ token: 'old', access: 'read' }]);
    rotating.set([{ token: 'new', access: 'read' }]);
    expect(rotating.isToken('old')).toBe(false);
    expect(rotating.isToken('new')).toBe(true);
  });

  it('refuses a malformed token entry without quoting it', () => {
    expect(() => new TokenRegistry([{ token: 'x', access: 'admin' as never }])).toThrow('tokens[0].access');
    expect(() => new TokenRegistry([{ token: '', access: 'read' }])).toThrow('tokens[0].token');
  });
});

describe('authorize', () => {
  const readOnly = registry.authenticate({ apikey: 'ro-token' });
  const readWrite = registry.authenticate({ apikey: 'rw-token' });

  it.each([
    [readWrite, 'PUT', 'connected_data_stores', undefined],
    [readOnly, 'GET', 'data_stores/connected', undefined],
    [readOnly, 'GET', 'data_tags', undefined],
    [readOnly, 'POST', 'data_tags', 403],
    [readOnly, 'DELETE', 'data_tags/{id}', 403],
    [readOnly, 'GET', 'infrastructure_connections', 403],
  ])('grant %#: %s %s -> %s', (grant, method, route, status) => {
    expect(statusOf(() => authorize(grant, method, route))).toBe(status);
  });

  it('lets a route grant cover that route with an id', () => {
    const grant = { access: 'read-write' as const, routes: new Set(['data_tags']) };
    expect(statusOf(() => authorize(grant, 'DELETE', 'data_tags/{id}'))).toBeUndefined();
  });
});

describe('helpers', () => {
  it.each([
    ['data_tags', 'data_tags'],
    ['/data_tags/', 'data_tags'],
    ['/api/v2/dspm/data_stores/connected', 'data_stores/connected'],
    ['api/v2/dspm/data_tags', 'data_tags'],
  ])('normalizes route %j to %j', (route, expected) => {
    expect(normalizeRoute(route)).toBe(expected);
  });

  it.each([
    [{}, 'none'],
    [{ apikey: 'x' }, 'apikey'],
    [{ 'netskope-api-token': 'x' }, 'netskope-api-token'],
    [{ apikey: 'x', 'netskope-api-token': 'x' }, 'both'],
  ])('reports headers %j as %s', (headers, expected) => {
    expect(authHeaderUsed(headers)).toBe(expected);
  });
});
