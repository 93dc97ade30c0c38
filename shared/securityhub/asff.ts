/**
 * A finding event as an AWS Security Finding Format (ASFF) finding of the account's own custom
 * integration (`product/<account>/default`), one ASFF finding per occurrence (its `correlationId`):
 * opened and updated events keep it ACTIVE, a resolve archives it. Severity and Types: a new
 * finding carries them at the top level (ASFF requires them) and in `FindingProviderFields`; an
 * update carries them in `FindingProviderFields` only, as AWS asks of providers, so a Severity or
 * Types an analyst set in Security Hub (BatchUpdateFindings) is kept, while one nobody touched
 * follows the provider's. `Workflow` and `Note` are never imported: they are the customer's, and
 * the bridge sets SUPPRESSED and NEW through BatchUpdateFindings (shared/securityhub/workflow.ts).
 * The bridge's `sequence` and `status` travel in `ProductFields`, so a stale event and a status
 * transition can be recognised (shared/securityhub/export-findings.ts).
 */
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { storeResource } from '../backup/inventory-arn.ts';
import type { FindingCondition } from '../events/detail-types.ts';
import type { FindingEventDetail } from './finding-view.ts';

/** The only ASFF schema version. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** The `ProductFields` key that holds the bridge's `sequence` of the finding. */
export const SEQUENCE_FIELD = 'dspm-bridge/sequence';

/** The `ProductFields` key that holds the bridge's `status` (open, suppressed, resolved). */
export const STATUS_FIELD = 'dspm-bridge/status';

/** Where the findings are imported: the account and region of the export, and their product. */
export interface SecurityHubTarget {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** The custom integration's product ARN in that account and region, as AWS documents it. */
export function productArnOf(target: SecurityHubTarget): string {
  return `arn:${target.partition}:securityhub:${target.region}:${target.accountId}:product/${target.accountId}/default`;
}

/** ASFF `Types` (namespace/category/classifier, AWS's taxonomy) per condition. */
export const ASFF_TYPES: Readonly<Record<FindingCondition, string>> = {
  'high-risk': 'Sensitive Data Identifications/Security/DSPM High Risk Data Store',
  'public-access': 'Effects/Data Exposure/Publicly Accessible Data Store',
  'encryption-off': 'Software and Configuration Checks/AWS Security Best Practices/Encryption Off',
  'backup-off': 'Software and Configuration Checks/AWS Security Best Practices/Backup Off',
  unprotected: 'Software and Configuration Checks/AWS Security Best Practices/No Recent Backup',
};

const SEVERITY_LABELS = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' } as const;

/** ASFF resource types by the service part of the store's ARN. */
function resourceTypeOf(arn: string): string {
  const [, , service = '', , , rest = ''] = arn.split(':');
  if (service === 'rds') return rest === 'cluster' ? 'AwsRdsDbCluster' : 'AwsRdsDbInstance';
  if (service === 'redshift') return 'AwsRedshiftCluster';
  if (service === 'dynamodb') return 'AwsDynamoDbTable';
  if (service === 's3') return 'AwsS3Bucket';
  return 'Other';
}

/** The store as an ASFF resource: its AWS ARN when derivable (as on the bus entry), else `Other`. */
function resourceOf(detail: FindingEventDetail, target: SecurityHubTarget): Resource {
  const store = detail.dataStore;
  const derived = storeResource(
    {
      name: store.name,
      endpoint: store.endpoint,
      serviceId: store.service.id,
      connectionId: store.infrastructureConnection.id,
      region: store.region,
      accountId: store.accountId,
    },
    { serviceName: store.service.name ?? undefined },
  );
  const other: Record<string, string> = {
    dataStoreId: String(store.id),
    name: cut(store.name, 1024),
    endpoint: cut(store.endpoint, 1024),
    tenant: detail.tenant,
    ...(store.service.name ? { service: store.service.name } : {}),
  };
  return {
    Type: derived ? resourceTypeOf(derived.resourceArn) : 'Other',
    Id: derived ? derived.resourceArn : cut(`${detail.tenant}/data-store/${store.id}`, 512),
    Partition: (derived ? derived.resourceArn.split(':')[1] : target.partition) as Resource['Partition'],
    Region: derived?.region ?? store.region ?? target.region,
    Details: { Other: other },
  };
}

/**
 * The ASFF finding of this event's occurrence: `create` when Security Hub does not hold it yet
 * (top-level Severity and Types too), `update` when it does (them in `FindingProviderFields` only).
 */
export function toAsffFinding(
  detail: FindingEventDetail,
  target: SecurityHubTarget,
  mode: 'create' | 'update',
): AwsSecurityFinding {
  const label = SEVERITY_LABELS[detail.severity];
  const types = [ASFF_TYPES[detail.condition]];
  const provided = { Severity: { Label: label, Original: detail.severity }, Types: types };
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: detail.correlationId,
    ProductArn: productArnOf(target),
    GeneratorId: `dspm-bridge/${detail.condition}`,
    AwsAccountId: target.accountId,
    ...(mode === 'create' ? { Types: types, Severity: provided.Severity } : {}),
    CreatedAt: detail.openedAt,
    UpdatedAt: detail.observedAt,
    FirstObservedAt: detail.openedAt,
    LastObservedAt: detail.observedAt,
    FindingProviderFields: provided,
    Title: cut(detail.test ? `[test] ${detail.title}` : detail.title, 256),
    Description: cut(descriptionOf(detail), 1024),
    CompanyName: 'Netskope',
    ProductName: 'dspm-bridge',
    Resources: [resourceOf(detail, target)],
    RecordState: detail.status === 'resolved' ? 'ARCHIVED' : 'ACTIVE',
    ProductFields: {
      [SEQUENCE_FIELD]: String(detail.sequence),
      [STATUS_FIELD]: detail.status,
      ...(detail.exception ? { 'dspm-bridge/exceptionId': detail.exception.exceptionId } : {}),
      'dspm-bridge/findingId': cut(detail.findingId, 2048),
      'dspm-bridge/eventId': detail.eventId,
      'dspm-bridge/occurrence': String(detail.occurrence),
      'dspm-bridge/condition': detail.condition,
      'dspm-bridge/baseline': String(detail.baseline),
      'dspm-bridge/test': String(detail.test),
      ...(detail.resolution ? { 'dspm-bridge/resolution': detail.resolution } : {}),
    },
  };
}

/** One paragraph: what holds, the evidence, and how it ended when it did. */
function descriptionOf(detail: FindingEventDetail): string {
  const evidence = Object.entries(detail.evidence)
    .map(([field, value]) => `${field}=${value === null ? 'not computed' : JSON.stringify(value)}`)
    .join(', ');
  const ending =
    detail.status === 'resolved'
      ? ` Resolved at ${detail.resolvedAt ?? detail.observedAt} (${detail.resolution ?? 'condition-cleared'}).`
      : '';
  return `${detail.title}. Netskope One DSPM, tenant ${detail.tenant}, data store ${detail.dataStore.id} (${detail.dataStore.endpoint}). Evidence: ${evidence || 'none'}.${ending}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
