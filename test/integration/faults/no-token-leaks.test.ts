/**
 * The token never appears anywhere: one token (and a wrong one) through every path that could
 * print it (polls under faults, the tagger with good and malformed events, every CLI command,
 * doctor with a good and a bad token, configuration errors), with stdout, stderr, log lines,
 * errors (deeply inspected, causes included), published events and dead letters all captured and
 * searched.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LOCKING } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { awsBackupJobEvent, ENGINEERING_ARN, genericBackupEvent } from '../../helpers/backup-events.ts';
import { Capture } from '../../helpers/capture.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TOKEN = 'leak-check-Zq8w3Kx1Lp0v';
const WRONG = 'leak-check-wrong-Hy7d2Fs9';

describe('the token', () => {
  let sim: RunningSimulator;
  let directory: string;
  const captured: string[] = [];
  const capture = new Capture();
  const sink = new RecordingSink();
  const env = () => ({
    DSPM_TENANT_URL: sim.url,
    DSPM_API_TOKEN: TOKEN,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_RATE_LIMIT_RPS: '1000',
  });

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-leaks-'));
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(String(chunk));
        return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
      });
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('appears in no output, log line, error, event or dead letter of any path', async () => {
    // Polls with DSPM failing in every way, and a wrong token.
    const dspm = testClient(sim.url, {
      token: TOKEN,
      logger: capture,
      timeoutMs: 200,
      retry: { maxRetries: 1 },
    });
    const state = new MemoryStateStore();
    const pollPorts = { dspm, state, sink, clock: systemClock, logger: capture, tenant: 't' };
    await pollDataStores(pollPorts, DEFAULT_POLL_SETTINGS);
    for (const fault of ['reset', 'malformed-json', 'wrong-shape', 'status-error', 'hang'] as const) {
      sim.faults.add({ kind: fault, count: 3, match: { route: 'data_stores/connected' } });
      sim.tenant.updateStore(1, { data_store_risk_rating: Math.floor(Math.random() * 100) });
      const outcome = await pollDataStores(pollPorts, DEFAULT_POLL_SETTINGS).catch((e: unknown) => e);
      capture.errors.push(outcome);
      sim.faults.clear();
    }
    capture.errors.push(
      await testClient(sim.url, { token: WRONG, logger: capture })
        .platforms()
        .toArray(10)
        .catch((e: unknown) => e),
    );

    // The tagger, with a good event and a malformed one.
    const tagPorts = { ...pollPorts, catalog: new CatalogCache(dspm, systemClock) };
    const tagSettings = {
      tag: DEFAULT_UNPROTECTED_TAG,
      source: 's',
      test: true,
      mappings: new Map(),
      ...DEFAULT_LOCKING,
      acceptedSources: new Set(['com.veeam.backup']),
    };
    capture.errors.push(
      await handleBackupEvent(
        JSON.stringify(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z')),
        tagPorts,
        tagSettings,
      ),
    );
    capture.errors.push(
      await handleBackupEvent(JSON.stringify(genericBackupEvent({ dataStoreId: 1 })), tagPorts, tagSettings),
    );

    // Every CLI command, the token in its environment.
    const eventFile = join(directory, 'event.json');
    writeFileSync(
      eventFile,
      JSON.stringify(genericBackupEvent({ dataStoreId: 2, protected: false, reason: 'NOT_ENROLLED' })),
    );
    const state2 = join(directory, 'state.json');
    const runs = [
      await runCliCaptured(
        ['poll', '--once', '--dry-run', '--no-baseline', '--state', state2, '--verbose', '--json'],
        env(),
      ),
      await runCliCaptured(
        ['backup-event', eventFile, '--dry-run', '--state', state2, '--json', '--verbose'],
        { ...env(), BACKUP_EVENT_SOURCES: 'com.veeam.backup' },
      ),
      await runCliCaptured(['coverage', '--dry-run', '--state', state2, '--json', '--verbose'], env()),
      await runCliCaptured(['doctor', '--json'], env()),
      await runCliCaptured(['doctor', '--json'], { ...env(), DSPM_API_TOKEN: WRONG }),
      await runCliCaptured(['poll', '--once', '--state', state2], {
        ...env(),
        DSPM_TENANT_URL: 'http://127.0.0.1:1',
      }),
    ];

    // Configuration errors about the token.
    for (const bad of [`${TOKEN}\u0007`, `{"token": "${TOKEN}"`]) {
      try {
        readDspmConfig({ ...env(), DSPM_API_TOKEN: bad });
      } catch (error) {
        capture.errors.push(error);
      }
    }

    // Search everything.
    const everything = [
      captured.join(''),
      capture.text(),
      ...capture.errors.map((e) => inspect(e, { depth: Number.POSITIVE_INFINITY, showHidden: true })),
      JSON.stringify(sink.attempted.map((e) => e.detail)),
      JSON.stringify(runs),
      existsSync(state2) ? readFileSync(state2, 'utf8') : '',
      JSON.stringify(sim.requests),
    ].join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(WRONG);
  });
});
