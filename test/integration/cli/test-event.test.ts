/**
 * `dspm-bridge test-event` as an operator types it (its own process): the synthetic finding keeps
 * the finding contract, is marked as a test, goes where every command's events go (NDJSON on
 * stdout, --events FILE, or the bus), and through a real EventBridge rule (moto) reaches a target.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findingDetailSchema } from '#shared/events/contract.ts';
import { createBus, motoClients, motoEnvironment, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { startCliProcess } from '../../helpers/cli-process.ts';

/** Runs `dspm-bridge ...args` to its end. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const run = startCliProcess(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          Source: string;
          DetailType: string;
          Time: string;
          Detail: Record<string, unknown>;
        },
    );

describe('dspm-bridge test-event', () => {
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-test-event-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('answers --help with its usage', async () => {
    const run = await cli(['test-event', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: dspm-bridge test-event [--condition ID] [--resolve]');
  });

  it.each([
    [
      ['test-event', '--condition', 'sad'],
      '--condition sad is not a condition: use one of high-risk, public-access',
    ],
    [['test-event', '--resolv'], '--resolv'],
    [['test-event', '--json'], '--json prints the report on stdout'],
  ])('refuses %j as a usage error (exit 2) naming what is wrong', async (args, expected) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(expected);
    expect(run.stdout).toBe('');
  });

  it('without EVENT_BUS_NAME writes one marked, contract-keeping opened event as NDJSON on stdout', async () => {
    // Act
    const run = await cli(['test-event'], { DSPM_TENANT_URL: 'https://acme.goskope.com' });
    // Assert
    expect(run.code).toBe(0);
    const [entry, ...rest] = lines(run.stdout);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ Source: 'netskope.dspm', DetailType: 'data-store-finding-opened' });
    const detail = findingDetailSchema.parse(entry?.Detail);
    expect(detail).toMatchObject({
      test: true,
      status: 'open',
      condition: 'high-risk',
      tenant: 'acme.goskope.com',
      findingId: 'acme.goskope.com/data-store/0/finding/high-risk',
      dataStore: { id: 0, accountId: null, region: null },
    });
    expect(detail.title.startsWith('[dspm-bridge test event] ')).toBe(true);
    expect(run.stderr).toContain('events: NDJSON on stdout (EVENT_BUS_NAME is not set)');
    expect(run.stderr).toContain(`test-event: data-store-finding-opened eventId ${detail.eventId}`);
    expect(run.stderr).toContain(`test-event: findingId ${detail.findingId} occurrence ${detail.occurrence}`);
  });

  it('with --resolve and --events FILE appends the opened and the resolved event of one occurrence', async () => {
    // Arrange
    const file = join(directory, 'events.ndjson');
    // Act
    const run = await cli([
      'test-event',
      '--resolve',
      '--condition',
      'encryption-off',
      '--events',
      file,
      '--json',
    ]);
    // Assert
    expect(run.code).toBe(0);
    const entries = lines(readFileSync(file, 'utf8'));
    expect(entries.map((e) => e.DetailType)).toEqual([
      'data-store-finding-opened',
      'data-store-finding-resolved',
    ]);
    const [opened, resolved] = entries.map((e) => findingDetailSchema.parse(e.Detail));
    expect(resolved?.correlationId).toBe(opened?.correlationId);
    expect((resolved?.sequence ?? 0) - (opened?.sequence ?? 0)).toBe(1);
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: 'condition-cleared',
      evidence: { encryption: 'On' },
    });
    expect(opened?.evidence).toEqual({ encryption: 'Off' });
    expect(JSON.parse(run.stdout)).toEqual({
      findingId: 'test-event.invalid/data-store/0/finding/encryption-off',
      correlationId: opened?.correlationId,
      eventIds: [opened?.eventId, resolved?.eventId],
      destination: { kind: 'file', path: file },
    });
  });

  describe('with EVENT_BUS_NAME (moto)', () => {
    const endpoint = inject('motoEndpoint');
    const clients = motoClients(endpoint);

    it('publishes to the bus, and a rule on test findings delivers it to its target', async () => {
      // Arrange: a bus and the rule an operator would check, on finding events marked as tests.
      const busName = uniqueName('test-event-bus');
      await createBus(clients.eventBridge, busName);
      const spy = await spyOnRule(clients, busName, uniqueName('test-findings'), {
        source: ['netskope.dspm'],
        'detail-type': [{ prefix: 'data-store-finding-' }],
        detail: { test: [true] },
      });
      // Act
      const run = await cli(['test-event', '--resolve', '--json'], {
        ...motoEnvironment(endpoint),
        EVENT_BUS_NAME: busName,
      });
      // Assert
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`events: published to the EventBridge bus ${busName}`);
      const report = JSON.parse(run.stdout) as { eventIds: string[]; correlationId: string };
      const delivered = await spy.drain();
      expect(delivered.map((e) => e['detail-type'])).toEqual([
        'data-store-finding-opened',
        'data-store-finding-resolved',
      ]);
      expect(delivered.map((e) => e.detail.eventId)).toEqual(report.eventIds);
      for (const event of delivered) {
        expect(findingDetailSchema.parse(event.detail)).toMatchObject({
          test: true,
          correlationId: report.correlationId,
        });
        // A store that cannot exist names no AWS resource.
        expect(event.resources).toEqual([]);
      }
    });

    it('fails with a one-line reason when the bus does not exist', async () => {
      const run = await cli(['test-event'], {
        ...motoEnvironment(endpoint),
        EVENT_BUS_NAME: uniqueName('no-such-bus'),
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^dspm-bridge test-event: /);
      expect(run.stdout).toBe('');
    });
  });
});
