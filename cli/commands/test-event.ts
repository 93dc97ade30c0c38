/**
 * `dspm-bridge test-event [--condition ID] [--resolve] [--tenant NAME] [--events FILE] [--json]`:
 * publishes a clearly marked synthetic finding (`"test": true`, a store that cannot exist) so an
 * operator can check rules and targets end to end after a deploy. Same publishing rules as the
 * other commands: the bus `EVENT_BUS_NAME`, else NDJSON on stdout or `--events FILE`.
 */
import { createAwsClients } from '#shared/aws/clients.ts';
import { readPublishingConfig } from '#shared/config/publishing.ts';
import { FINDING_CONDITIONS, type FindingCondition, findingDetailSchema } from '#shared/events/contract.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { testFindingEvents } from '#shared/events/test-finding.ts';
import { chooseEventOutput } from '../event-output.ts';
import { parseFlags } from '../flags.ts';
import { type CliIo, EXIT, UsageError } from '../io.ts';

const OPTIONS = {
  condition: { type: 'string' },
  resolve: { type: 'boolean' },
  tenant: { type: 'string' },
  events: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The tenant of the test finding when neither --tenant nor DSPM_TENANT_URL names one. */
export const TEST_EVENT_TENANT = 'test-event.invalid';

/** Usage of `test-event`. */
export const TEST_EVENT_USAGE = `usage: dspm-bridge test-event [--condition ID] [--resolve] [--tenant NAME] [--events FILE] [--json]

  --condition ID  the finding's condition: ${FINDING_CONDITIONS.join(', ')} (default high-risk)
  --resolve       follow the data-store-finding-opened event with its data-store-finding-resolved
  --tenant NAME   the events' tenant (default: the host of DSPM_TENANT_URL, else ${TEST_EVENT_TENANT})
  --events FILE   without EVENT_BUS_NAME, append the events to FILE, not stdout
  --json          print {findingId, correlationId, eventIds, destination} as JSON on stdout
                  (events then need EVENT_BUS_NAME or --events)

The finding is synthetic and marked: "test": true, a title starting "[dspm-bridge test event]",
store id 0 at an .invalid endpoint with no AWS account. Each run is a new occurrence, so targets
open a fresh item. Events go to the EventBridge bus EVENT_BUS_NAME (source EVENT_SOURCE, default
netskope.dspm); without it, as NDJSON lines on stdout or --events FILE.`;

/** Runs `test-event`. */
export async function testEventCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, OPTIONS);
  if (values.help) {
    io.stdout(`${TEST_EVENT_USAGE}\n`);
    return EXIT.ok;
  }
  const condition = values.condition ?? 'high-risk';
  if (!(FINDING_CONDITIONS as readonly string[]).includes(condition))
    throw new UsageError(
      `--condition ${condition} is not a condition: use one of ${FINDING_CONDITIONS.join(', ')}`,
    );
  const publishing = readPublishingConfig(io.env, { test: true });
  const events = testFindingEvents({
    tenant: values.tenant ?? tenantOf(io.env.DSPM_TENANT_URL),
    source: publishing.source,
    condition: condition as FindingCondition,
    now: new Date(),
    resolve: values.resolve ?? false,
  });
  // The contract, checked before anything leaves: a test event that breaks it would test nothing.
  for (const event of events) findingDetailSchema.parse(event.detail);

  const busName = publishing.eventBusName;
  const output = chooseEventOutput(
    {
      dryRun: false,
      eventsFile: values.events,
      json: values.json ?? false,
      bus: busName
        ? { name: busName, sink: new EventBridgeSink({ client: createAwsClients().eventBridge, busName }) }
        : undefined,
    },
    io,
  );
  const results = await output.sink.publish(events);
  const refused = results.flatMap((result, i) =>
    result.ok ? [] : [`${events[i]?.detailType}: ${result.errorCode}: ${result.errorMessage}`],
  );
  if (refused.length > 0) {
    io.stderr(`dspm-bridge test-event: EventBridge refused the test event: ${refused.join('; ')}\n`);
    return EXIT.failure;
  }
  io.stderr(`${output.notice}\n`);
  const [first] = events;
  const detail = first?.detail;
  for (const event of events) io.stderr(`test-event: ${event.detailType} eventId ${event.detail.eventId}\n`);
  io.stderr(
    `test-event: findingId ${detail?.findingId} occurrence ${detail?.occurrence} (correlationId ${detail?.correlationId})\n`,
  );
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        findingId: detail?.findingId,
        correlationId: detail?.correlationId,
        eventIds: events.map((event) => event.detail.eventId),
        destination: output.destination,
      })}\n`,
    );
  }
  return EXIT.ok;
}

/** The host of the tenant URL, when it is one. */
function tenantOf(url: string | undefined): string {
  if (!url) return TEST_EVENT_TENANT;
  try {
    return new URL(url.trim()).host || TEST_EVENT_TENANT;
  } catch {
    return TEST_EVENT_TENANT;
  }
}
