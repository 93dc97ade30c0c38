/**
 * The examples in docs/events.md, produced by the real CLI against the simulator's copy of the
 * API guide's tenant: a baseline `poll --once`, a few changes in DSPM, a second `poll --once`, then
 * `backup-event examples/backup-job-failed-store-3.json`, then a third `poll --once` that moves a
 * finding on and clears another, each writing its events as NDJSON (no bus). `npm run docs:events` writes them into docs/events.md; a test produces them again and
 * compares, with the values that differ per run (times, poll ids, ids derived from them) masked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKEN, startSimulator } from '#simulator/server.ts';
import { runCli } from '../cli/main.ts';

const ROOT = new URL('../', import.meta.url);
const EVENTS_DOC = fileURLToPath(new URL('docs/events.md', ROOT));
const EXAMPLE_BACKUP_EVENT = fileURLToPath(new URL('examples/backup-job-failed-store-3.json', ROOT));

/** The tenant name the examples show instead of the simulator's loopback address. */
const SHOWN_TENANT = 'example.goskope.com';

/** The guide's GDPR and PII tags. */
const GDPR = 1000004;
const PII = 1000007;

/** The detail types docs/events.md shows one example of, each under its own `##` heading. */
export const EXAMPLE_TYPES = [
  'data-store-risk-changed',
  'data-store-discovered',
  'data-store-removed',
  'data-store-protection-changed',
  'dspm-poll-completed',
  'data-store-finding-opened',
  'data-store-finding-updated',
  'data-store-finding-resolved',
  'data-store-finding-suppressed',
  'data-store-finding-unsuppressed',
  'finding-exception-changed',
] as const;

/** An event as the CLI writes it. */
export interface WireExample {
  readonly Source: string;
  readonly DetailType: string;
  readonly Time: string;
  readonly Detail: Record<string, unknown>;
}

/** Runs the scenario and returns one real event per example type. */
export async function produceEventExamples(): Promise<Record<(typeof EXAMPLE_TYPES)[number], WireExample>> {
  const sim = await startSimulator();
  const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-examples-'));
  const state = join(directory, 'state.json');
  const env = {
    DSPM_TENANT_URL: sim.url,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_API_TOKEN: DEFAULT_TOKEN,
    DSPM_RATE_LIMIT_RPS: '1000',
    // The examples stand for a real tenant's events.
    EVENT_TEST_MODE: 'false',
  };
  const run = async (argv: string[]): Promise<WireExample[]> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env,
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      stopSignal: new AbortController().signal,
    });
    if (code !== 0) throw new Error(`dspm-bridge ${argv.join(' ')} exited ${code}: ${stderr}`);
    const host = new URL(sim.url).host;
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line.replaceAll(host, SHOWN_TENANT)) as WireExample);
  };
  try {
    // Before the baseline: the production database carries two compliance tags.
    sim.tenant.updateStore(3, { data_tags: [GDPR, PII] });
    await run(['poll', '--once', '--state', state]);
    // In DSPM: store 1's risk rating rises and its backups stop, and it is tagged GDPR; a store
    // appears; another goes.
    sim.tenant.updateStore(1, { data_store_risk_rating: 72, backup: 'Off', data_tags: [GDPR] });
    sim.tenant.addStore({
      name: 'analytics',
      endpoint: 'analytics.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/analytics',
      service_id: 5,
      infrastructure_connection_id: 1,
      account_id: '123456789012',
      region: 'us-west-2',
    });
    sim.tenant.removeStore(2);
    const poll = await run(['poll', '--once', '--state', state]);
    const backup = await run(['backup-event', EXAMPLE_BACKUP_EVENT, '--state', state]);
    // Store 1's rating goes on rising (its high-risk finding becomes critical) and its backups
    // are back (its backup-off finding resolves).
    sim.tenant.updateStore(1, { data_store_risk_rating: 80, backup: 'On' });
    const later = await run(['poll', '--once', '--state', state]);
    // A person accepts the risk of GDPR-tagged stores being high-risk (store 1 is); a poll
    // suppresses its finding; the exception is revoked; the next poll brings the finding back.
    const added = await run([
      'exception',
      'add',
      '--condition',
      'high-risk',
      '--data-tag',
      'GDPR',
      '--reason',
      'risk-accepted',
      '--justification',
      'GDPR stores are being migrated to the new cluster this quarter',
      '--by',
      'alice@example.com',
      '--approved-by',
      'ciso@example.com',
      '--expires',
      '90d',
      '--state',
      state,
    ]);
    const suppressed = await run(['poll', '--once', '--state', state]);
    const exceptionId = (added[0]?.Detail.exception as { exceptionId: string } | undefined)?.exceptionId;
    if (exceptionId === undefined) throw new Error('exception add printed no finding-exception-changed');
    const revoked = await run([
      'exception',
      'revoke',
      exceptionId,
      '--by',
      'bob@example.com',
      '--justification',
      'the migration slipped; track the finding again',
      '--state',
      state,
    ]);
    const unsuppressed = await run(['poll', '--once', '--state', state]);
    const all = [...poll, ...backup, ...later, ...added, ...suppressed, ...revoked, ...unsuppressed];
    const pick = (type: string) => {
      const found = all.find((event) => event.DetailType === type);
      if (!found) throw new Error(`the scenario produced no ${type}`);
      return found;
    };
    return Object.fromEntries(EXAMPLE_TYPES.map((type) => [type, pick(type)])) as Record<
      (typeof EXAMPLE_TYPES)[number],
      WireExample
    >;
  } finally {
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The first ```json block under each example heading of `markdown`, parsed. */
export function documentedExamples(markdown: string): Record<string, unknown> {
  const examples: Record<string, unknown> = {};
  for (const type of EXAMPLE_TYPES) {
    const block = exampleBlock(markdown, type);
    examples[type] = JSON.parse(markdown.slice(block.start, block.end));
  }
  return examples;
}

/** `markdown` with each example block replaced by the given event. */
export function withExamples(markdown: string, examples: Record<string, WireExample>): string {
  let text = markdown;
  for (const type of EXAMPLE_TYPES) {
    const block = exampleBlock(text, type);
    text = `${text.slice(0, block.start)}${JSON.stringify(examples[type], null, 2)}\n${text.slice(block.end)}`;
  }
  return text;
}

/** Fields whose values differ on every run; masked when comparing, never when writing. */
const PER_RUN = new Set([
  'Time',
  'observedAt',
  'previousObservedAt',
  'startedAt',
  'durationMs',
  'pollId',
  'openedAt',
  'resolvedAt',
  // An exception's random id and its own times.
  'exceptionId',
  'createdAt',
  'expiresAt',
  'revokedAt',
  'at',
]);

/**
 * `value` with what differs per run masked: times, durations, poll ids, and event ids (derived
 * from the tenant, which is the simulator's loopback address and port, or from the poll id). The
 * backup event's own id (`trigger.eventId`) is the example file's and stays.
 */
export function maskPerRun(value: unknown, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => maskPerRun(item, parent));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, item]) => {
      const perRun = PER_RUN.has(name) || (name === 'eventId' && parent !== 'trigger');
      return [name, perRun && item !== null ? '<per run>' : maskPerRun(item, name)];
    }),
  );
}

function exampleBlock(markdown: string, type: string): { start: number; end: number } {
  const heading = markdown.indexOf(`\n## ${type}\n`);
  if (heading < 0) throw new Error(`docs/events.md has no "## ${type}" section`);
  const open = markdown.indexOf('```json\n', heading);
  const close = markdown.indexOf('\n```', open + 8);
  if (open < 0 || close < 0) throw new Error(`docs/events.md: no json block under "## ${type}"`);
  return { start: open + '```json\n'.length, end: close + 1 };
}

/** The docs file. */
export function readEventsDoc(): string {
  return readFileSync(EVENTS_DOC, 'utf8');
}

if (import.meta.main) {
  const examples = await produceEventExamples();
  writeFileSync(EVENTS_DOC, withExamples(readEventsDoc(), examples));
  process.stderr.write('wrote the examples of docs/events.md from real CLI output\n');
}
