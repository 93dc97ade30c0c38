import { describe, expect, it } from 'vitest';
import { RequestLog, redactQuery } from '#simulator/request-log.ts';

const fields = {
  requestId: 'r',
  method: 'GET',
  route: 'data_tags',
  query: {},
  authHeader: 'apikey' as const,
};

describe('RequestLog', () => {
  it('numbers entries in arrival order and starts them unanswered', () => {
    const log = new RequestLog();
    log.start(fields);
    const second = log.start(fields);
    expect(second).toMatchObject({ seq: 2, status: 0, durationMs: 0 });
    expect(typeof second.startedAt).toBe('string');
  });

  it('keeps only the latest entries past its cap, and seq keeps counting', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i += 1) log.start(fields);
    expect(log.entries().map((entry) => entry.seq)).toEqual([3, 4, 5]);
    log.clear();
    expect(log.start(fields).seq).toBe(6);
  });

  it('hands out copies, so a reader cannot rewrite history', () => {
    const log = new RequestLog();
    log.start(fields);
    const [copy] = log.entries();
    if (copy) copy.status = 999;
    expect(log.entries()[0]?.status).toBe(0);
  });
});

describe('redactQuery', () => {
  it.each([
    [{ token: 'abc' }, { token: '[redacted]' }],
    [
      { apikey: 'abc', Authorization: 'x' },
      { apikey: '[redacted]', Authorization: '[redacted]' },
    ],
    [{ filter: 'the-token' }, { filter: '[redacted]' }],
    [
      { filter: 'id eq 1', offset: ['0', 'the-token'] },
      { filter: 'id eq 1', offset: ['0', '[redacted]'] },
    ],
  ])('redacts credentials in %j', (query, expected) => {
    expect(redactQuery(query, (value) => value === 'the-token')).toEqual(expected);
  });
});
