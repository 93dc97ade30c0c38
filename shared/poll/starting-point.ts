/**
 * Where every step of a poll starts from: the tenant's facts, the catalogs that name what events
 * describe, the exceptions in force, and the fingerprint gate where the state keeps an index.
 */
import { announceLapses } from '../exceptions/announce-lapses.ts';
import { exceptionsInForce, tagIdsByName } from '../exceptions/coverage.ts';
import type { PollContext } from '../risk/build-events.ts';
import { buildCatalog } from '../risk/catalog.ts';
import { hasFingerprintIndex } from '../state/fingerprint-index.ts';
import type { TenantMeta } from '../state/records.ts';
import { FingerprintGate } from './fingerprint-gate.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';

/** Catalog lists are small; more than this means something is wrong. */
const CATALOG_CAP = 100_000;

/** Where a step starts from: the tenant's facts and the catalogs (store records are read per page). */
export interface StartingPoint {
  readonly meta: TenantMeta | undefined;
  readonly context: PollContext;
  /** The tenant's first poll. */
  readonly baseline: boolean;
  /** A first poll that records every store without announcing it. */
  readonly silentBaseline: boolean;
  /** The fingerprint index of this step, where the state keeps one (see fingerprint-gate.ts). */
  readonly gate?: FingerprintGate | undefined;
}

/**
 * Reads the tenant's facts and the catalogs for a step of poll `pollId`. A step that builds no
 * store event (a finish without removals) passes `catalogs: false` and spends no DSPM call.
 */
export async function readStartingPoint(
  ports: PollPorts,
  settings: PollSettings,
  poll: { pollId: string; baseline: boolean },
  { catalogs = true }: { catalogs?: boolean } = {},
): Promise<StartingPoint> {
  const { dspm, state, tenant } = ports;
  const none = async () => [];
  const [meta, platforms, connections, services, tags, exceptions] = await Promise.all([
    state.loadMeta(tenant),
    catalogs ? dspm.platforms().toArray(CATALOG_CAP) : none(),
    catalogs ? dspm.infrastructureConnections().toArray(CATALOG_CAP) : none(),
    catalogs ? dspm.services().toArray(CATALOG_CAP) : none(),
    catalogs ? dspm.dataTags().toArray(CATALOG_CAP) : none(),
    ports.exceptions?.listExceptions(tenant) ?? none(),
  ]);
  const at = new Date(ports.clock.now());
  // Expiry is applied on every step: the in-force set is taken at the step's start, and the
  // bridge's own audit entries (expired, expiring) go out before any finding moves.
  if (ports.exceptions && exceptions.length > 0)
    await announceLapses(
      { store: ports.exceptions, sink: ports.sink, logger: ports.logger, events: settings },
      exceptions,
      at,
    );
  const catalog = buildCatalog({ platforms, connections, services, tags });
  // Decided when the poll began: a baseline stays one through every chunk, whatever meta says.
  const { baseline } = poll;
  const context: PollContext = {
    tenant,
    pollId: poll.pollId,
    source: settings.source,
    test: settings.test,
    bands: settings.bands,
    findings: settings.findings,
    firstPoll: baseline,
    catalog,
    exceptions: exceptionsInForce(
      tenant,
      exceptions.map(({ exception }) => exception),
      at,
      tagIdsByName(catalog.tags.values()),
    ),
  };
  const gate = hasFingerprintIndex(state)
    ? new FingerprintGate({
        index: state,
        tenant,
        logger: ports.logger,
        context,
        watchedFields: settings.watchedFields,
        vouchedAt: meta?.indexVouchedAt,
      })
    : undefined;
  return { meta, baseline, silentBaseline: baseline && !settings.emitBaselineEvents, context, gate };
}
