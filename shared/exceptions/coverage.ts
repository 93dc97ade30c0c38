/**
 * Which exceptions cover which findings (domain). Built once per poll chunk (or tagger run) from
 * every exception of the tenant, then asked per store without allocating: a rule's Data Tag name
 * is resolved to the tag ids the catalog has under that name (compared case-insensitively), so a
 * tag added to a store in DSPM's UI brings it under the rule on the next poll.
 */
import type { ConnectedDataStore } from '../dspm/schemas.ts';
import type { FindingException } from '../events/contract.ts';
import type { FindingCondition } from '../events/detail-types.ts';

/** What a rule is matched against: the store as the poll (or the tagger) sees it. */
export interface CoverageSubject {
  readonly storeId: number;
  readonly connectionId: number | null;
  readonly serviceId: number;
  readonly tagIds: readonly number[];
}

interface ActiveException {
  readonly exception: FindingException;
  /** The finding it covers (a finding scope), else undefined. */
  readonly findingId: string | undefined;
  /** The tag ids a rule's `dataTag` names (empty when the catalog has no such tag). */
  readonly tagIds: ReadonlySet<number> | undefined;
}

/** The exceptions of one tenant as they stand at one instant. */
export interface ExceptionsInForce {
  readonly tenant: string;
  readonly at: Date;
  /** Active ones (not revoked, not expired), oldest first: the oldest covering one wins. */
  readonly active: readonly ActiveException[];
  /** Every exception by id, ended ones too: an `-unsuppressed` names the one that ended. */
  readonly byId: ReadonlyMap<string, FindingException>;
}

/** True while `exception` is in force at `at`: not revoked and not yet at its `expiresAt`. */
export function isActive(exception: FindingException, at: Date): boolean {
  return exception.revokedAt === null && Date.parse(exception.expiresAt) > at.getTime();
}

/** No exceptions at all (a tenant without any, or a caller that applies none). */
export function noExceptions(tenant: string, at: Date): ExceptionsInForce {
  return { tenant, at, active: [], byId: new Map() };
}

/**
 * The exceptions in force at `at`. `tagsByName` gives the catalog's tag ids for a lower-cased tag
 * name (the poll's catalog; the tagger's cached one).
 */
export function exceptionsInForce(
  tenant: string,
  all: readonly FindingException[],
  at: Date,
  tagIdsNamed: (lowerCaseName: string) => ReadonlySet<number>,
): ExceptionsInForce {
  const active = all
    .filter((exception) => exception.tenant === tenant && isActive(exception, at))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.exceptionId.localeCompare(b.exceptionId))
    .map((exception): ActiveException => {
      const { scope } = exception;
      return 'findingId' in scope
        ? { exception, findingId: scope.findingId, tagIds: undefined }
        : {
            exception,
            findingId: undefined,
            tagIds: scope.dataTag === undefined ? undefined : tagIdsNamed(scope.dataTag.toLowerCase()),
          };
    });
  return { tenant, at, active, byId: new Map(all.map((exception) => [exception.exceptionId, exception])) };
}

/** A lookup of tag ids by lower-cased name, from a catalog's tags. */
export function tagIdsByName(
  tags: Iterable<{ readonly id: number; readonly name: string }>,
): (lowerCaseName: string) => ReadonlySet<number> {
  const byName = new Map<string, Set<number>>();
  for (const tag of tags) {
    const key = tag.name.toLowerCase();
    const ids = byName.get(key) ?? new Set<number>();
    ids.add(tag.id);
    byName.set(key, ids);
  }
  const none: ReadonlySet<number> = new Set();
  return (name) => byName.get(name) ?? none;
}

/** The oldest exception in force covering `condition` of `subject`, or undefined. */
export function coveringException(
  inForce: ExceptionsInForce,
  subject: CoverageSubject,
  condition: FindingCondition,
): FindingException | undefined {
  for (const active of inForce.active)
    if (covers(inForce.tenant, active, subject, condition)) return active.exception;
  return undefined;
}

/**
 * The ids of the exceptions in force that cover any finding of `subject`, sorted: a change of
 * this list (an exception made, revoked or expired; a tag added) is a change of the store's
 * findings even when DSPM's record did not move.
 */
export function coveringExceptionIds(inForce: ExceptionsInForce, subject: CoverageSubject): string[] {
  const ids: string[] = [];
  for (const active of inForce.active) {
    const { scope } = active.exception;
    const condition = 'findingId' in scope ? conditionOfFinding(scope.findingId) : scope.condition;
    if (condition !== undefined && covers(inForce.tenant, active, subject, condition))
      ids.push(active.exception.exceptionId);
  }
  return ids.sort();
}

function covers(
  tenant: string,
  active: ActiveException,
  subject: CoverageSubject,
  condition: FindingCondition,
): boolean {
  const { scope } = active.exception;
  if (active.findingId !== undefined)
    return active.findingId === `${tenant}/data-store/${subject.storeId}/finding/${condition}`;
  if ('findingId' in scope || scope.condition !== condition) return false;
  if (
    scope.infrastructureConnectionId !== undefined &&
    scope.infrastructureConnectionId !== subject.connectionId
  )
    return false;
  if (scope.serviceId !== undefined && scope.serviceId !== subject.serviceId) return false;
  if (scope.dataStoreIds !== undefined && !scope.dataStoreIds.includes(subject.storeId)) return false;
  if (active.tagIds !== undefined && !subject.tagIds.some((id) => active.tagIds?.has(id))) return false;
  return true;
}

function conditionOfFinding(findingId: string): FindingCondition | undefined {
  const at = findingId.lastIndexOf('/finding/');
  return at < 0 ? undefined : (findingId.slice(at + '/finding/'.length) as FindingCondition);
}

/**
 * One store's view of the exceptions, for the finding stage. A tenant without exceptions gets
 * the shared "uncovered" view, so the unchanged store's fast path allocates nothing.
 */
export function findingCoverageOf(
  inForce: ExceptionsInForce | undefined,
  subject: CoverageSubject,
): {
  covering(condition: FindingCondition): FindingException | undefined;
  byId(id: string): FindingException | undefined;
} {
  if (inForce === undefined || inForce.byId.size === 0) return NO_COVERAGE;
  return {
    covering: (condition) => coveringException(inForce, subject, condition),
    byId: (id) => inForce.byId.get(id),
  };
}

const NO_COVERAGE = { covering: () => undefined, byId: () => undefined };

/** A listed store as exceptions are matched against it: DSPM's own view, tags included. */
export function subjectOfStore(store: ConnectedDataStore): CoverageSubject {
  return {
    storeId: store.id,
    connectionId: store.infrastructure_connection_id ?? null,
    serviceId: store.service_id,
    tagIds: store.data_tags ?? [],
  };
}
