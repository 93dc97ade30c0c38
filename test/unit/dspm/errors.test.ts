import { describe, expect, it } from 'vitest';
import {
  DspmAuthError,
  DspmBadRequestError,
  DspmConflictError,
  DspmError,
  DspmNotFoundError,
  DspmPermissionError,
  DspmRateLimitError,
  DspmServerError,
  errorFromResponse,
} from '#shared/dspm/errors.ts';

const context = { method: 'GET', path: 'data_tags?offset=0&limit=100', requestId: 'abc-123' };

describe('errorFromResponse', () => {
  it.each([
    [400, DspmBadRequestError],
    [401, DspmAuthError],
    [403, DspmPermissionError],
    [404, DspmNotFoundError],
    [409, DspmConflictError],
    [422, DspmBadRequestError],
    [429, DspmRateLimitError],
    [500, DspmServerError],
    [503, DspmServerError],
  ])('maps %i to %o', (status, type) => {
    const error = errorFromResponse(status, { message: 'nope' }, context);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(DspmError);
    expect(error).toMatchObject({
      status,
      method: 'GET',
      path: context.path,
      requestId: 'abc-123',
      name: type.name,
    });
  });

  it("keeps the server's message and the request id in the message", () => {
    const error = errorFromResponse(404, { message: 'data tag 11 not found' }, context);
    expect(error.message).toBe(
      'GET data_tags?offset=0&limit=100: not found (data tag 11 not found) (x-request-id abc-123)',
    );
  });

  it('carries the wait a 429 asked for', () => {
    const error = errorFromResponse(429, {}, { ...context, retryAfterMs: 3000 });
    expect(error).toBeInstanceOf(DspmRateLimitError);
    expect((error as DspmRateLimitError).retryAfterMs).toBe(3000);
  });

  it('falls back to the status when the body has no message', () => {
    expect(errorFromResponse(502, 'Bad gateway', context).message).toContain('server error 502 (HTTP 502)');
  });

  it('cuts a huge server message short', () => {
    const error = errorFromResponse(400, { message: 'x'.repeat(10_000) }, context);
    expect(error.message.length).toBeLessThan(700);
  });
});
