/**
 * `dspm-bridge demo [--aws-local] [--out FILE] [--json]` (`npm start`): the whole flow on embedded
 * defaults, in about ten seconds. The simulator plays the guide's tenant on a loopback port; a
 * baseline poll; a scripted story (a risk rating rises into high, encryption turns off, a store
 * appears, one disappears); a poll that reports it; an AWS Backup FAILED job that puts the
 * `Unprotected` tag on a store beside its other tags, and a COMPLETED one that takes it off; a
 * FAILED job of the new store that leaves it unprotected; and the status the state then shows
 * (what `dspm-bridge status` prints). Events are printed readably and saved as NDJSON; the state is
 * kept in a file (`--state`, started afresh each run) so `status --state FILE` can read it after. With `--aws-local` (needs `moto_server`) the
 * events go through a local EventBridge bus whose rules deliver to SQS queues, to show routing.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DEFAULT_LOCKING } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import type { BusEvent } from '#shared/events/contract.ts';
import { type EventSink, type PublishResult, toWireEntry } from '#shared/events/sink.ts';
import { silentLogger } from '#shared/logger.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { FileStateStore } from '#shared/state/file-store.ts';
import { tenantStatus } from '#shared/status/tenant-status.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { describeEvent } from '../demo/describe-event.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../demo/local-eventbridge.ts';
import { ANALYTICS_ARN, backupJobEvent, changeTenant, prepareTenant } from '../demo/story.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT } from '../io.ts';
import { REPORT_WIDTH, statusLines } from '../status-report.ts';

const OPTIONS = {
  'aws-local': { type: 'boolean' },
  out: { type: 'string' },
  state: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Where the demo keeps its state: started afresh each run, left for `status --state` to read. */
export const DEMO_STATE_FILE = '.dspm-bridge/demo-state.json';

/** Usage of `demo`. */
export const DEMO_USAGE = `usage: dspm-bridge demo [--aws-local] [--out FILE] [--state FILE] [--json]

  --aws-local  route the events through a local EventBridge (moto_server must be on PATH)
  --out FILE   where the events are saved as NDJSON (default .dspm-bridge/demo-events.ndjson)
  --state FILE the demo's state file, replaced each run (default ${DEMO_STATE_FILE});
               dspm-bridge status --state FILE shows it afterwards
  --json       print the demo's summary as JSON on stdout`;

const DEMO_TOKEN = 'demo-token';

/** Runs the demo. */
export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${DEMO_USAGE}\n`);
    return EXIT.ok;
  }
  const out = values.out ?? '.dspm-bridge/demo-events.ndjson';
  const say = (text = '') => io.stderr(`${text}\n`);
  const started = performance.now();
  let sim: RunningSimulator | undefined;
  let aws: LocalEventBridge | undefined;
  try {
    sim = await startSimulator({ tokens: [{ token: DEMO_TOKEN, access: 'read-write' }] });
    prepareTenant(sim.tenant);
    say(`DSPM simulator (the API guide's example tenant) at ${sim.url}`);
    if (values['aws-local']) {
      aws = await startLocalEventBridge({ ...io.env });
      say(`local EventBridge (moto) at ${aws.endpoint}: bus ${aws.busName}, rules delivering to SQS`);
    }

    const dspm = createDspmClient(
      readDspmConfig({
        DSPM_TENANT_URL: sim.url,
        DSPM_API_TOKEN: DEMO_TOKEN,
        DSPM_ALLOW_ANY_HOST: 'true',
        DSPM_RATE_LIMIT_RPS: '100',
      }),
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, '');
    const published: BusEvent[] = [];
    const sink = new ShowingSink(aws?.sink, (event) => {
      published.push(event);
      appendFileSync(out, `${JSON.stringify(toWireEntry(event))}\n`);
      say(`  ${describeEvent(event)}`);
    });
    const stateFile = values.state ?? DEMO_STATE_FILE;
    mkdirSync(dirname(stateFile), { recursive: true });
    rmSync(stateFile, { force: true });
    const state = new FileStateStore(stateFile);
    const tenant = new URL(sim.url).host;
    const pollPorts = { dspm, state, sink, clock: systemClock, logger: silentLogger, tenant };

    say(
      '\n1. Baseline poll: the bridge records every store, and publishes only its summary and the findings already there (baseline)',
    );
    await pollDataStores(pollPorts, DEFAULT_POLL_SETTINGS);

    say('\n2. Meanwhile, in DSPM:');
    for (const line of changeTenant(sim.tenant)) say(`  ${line}`);

    say('\n3. The next poll publishes what changed');
    await pollDataStores(pollPorts, DEFAULT_POLL_SETTINGS);
    if (aws) await showRouting(aws, say);

    const tagPorts = {
      dspm,
      state,
      sink,
      catalog: new CatalogCache(dspm, systemClock),
      clock: systemClock,
      logger: silentLogger,
      tenant,
    };
    const tagSettings = {
      tag: DEFAULT_UNPROTECTED_TAG,
      source: DEFAULT_POLL_SETTINGS.source,
      test: true,
      mappings: new Map<string, number>(),
      ...DEFAULT_LOCKING,
      acceptedSources: new Set<string>(),
    };
    const tagsOf = (id: number) => {
      const names = new Map(sim?.tenant.listTags().map((tag) => [tag.id, tag.name]));
      return (
        (sim?.tenant.getStore(id)?.data_tags ?? [])
          .map((tagId) => names.get(tagId) ?? String(tagId))
          .join(', ') || '(none)'
      );
    };

    say(`\n4. AWS Backup reports a FAILED backup job for the production database (tags now: ${tagsOf(3)})`);
    await handleBackupEvent(JSON.stringify(backupJobEvent('FAILED', new Date())), tagPorts, tagSettings);
    say(`  production's tags in DSPM: ${tagsOf(3)}`);

    say('\n5. The next backup job COMPLETES');
    await handleBackupEvent(
      JSON.stringify(backupJobEvent('COMPLETED', new Date(Date.now() + 1000))),
      tagPorts,
      tagSettings,
    );
    say(`  production's tags in DSPM: ${tagsOf(3)}`);

    const analytics = sim.tenant.listStores().find((store) => store.name === 'analytics');
    say(
      `\n6. A backup job of the new analytics database FAILS, and nothing has backed it up since (tags now: ${analytics ? tagsOf(analytics.id) : '(none)'})`,
    );
    await handleBackupEvent(
      JSON.stringify(backupJobEvent('FAILED', new Date(Date.now() + 2000), ANALYTICS_ARN)),
      tagPorts,
      tagSettings,
    );
    if (analytics) say(`  analytics' tags in DSPM: ${tagsOf(analytics.id)}`);

    say(`\n7. Where the bridge stands now (npm run cli -- status --state ${stateFile})`);
    // Indented two more than `status` prints it: still within 80 columns.
    for (const line of statusLines(
      await tenantStatus(state, tenant, { exceptions: state }),
      new Date(),
      REPORT_WIDTH - 2,
    ))
      say(`  ${line}`);

    const seconds = (performance.now() - started) / 1000;
    say(`\nDone in ${seconds.toFixed(1)} s: ${published.length} events, saved to ${out}`);
    say('Next: deploy it (README, "Deploy"), or point `npm run cli -- doctor` at your tenant.');
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ events: published.length, out, seconds, detailTypes: published.map((e) => e.detailType) })}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await sim?.close();
    await aws?.stop();
  }
}

/** Publishes through `inner` (or accepts everything) and shows each accepted event. */
class ShowingSink implements EventSink {
  readonly #inner: EventSink | undefined;
  readonly #show: (event: BusEvent) => void;

  constructor(inner: EventSink | undefined, show: (event: BusEvent) => void) {
    this.#inner = inner;
    this.#show = show;
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    const results: PublishResult[] = this.#inner
      ? await this.#inner.publish(events)
      : events.map(() => ({ ok: true }));
    events.forEach((event, index) => {
      if (results[index]?.ok) this.#show(event);
    });
    return results;
  }
}

async function showRouting(aws: LocalEventBridge, say: (text: string) => void): Promise<void> {
  for (const [rule, queueUrl] of Object.entries(aws.queues)) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const types = (Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}')['detail-type'] as string);
    say(
      `  rule ${rule} delivered ${types.length} event(s) to its queue${types.length ? `: ${types.join(', ')}` : ''}`,
    );
  }
}
