/**
 * AWS Security Finding Format rules, read from AWS's documents for finding providers (required
 * attributes, their lengths and formats, the Types taxonomy, the custom integration's product ARN),
 * and made stricter where AWS is silent or lenient. moto's Security Hub checks only that Resources is
 * a non-empty list: the tests check what the bridge sends with these rules instead.
 */

/** How strict to be beyond what AWS states outright. */
export interface AsffStrictness {
  /** Timestamps must be ISO 8601 in UTC with a `Z` (AWS accepts other offsets). */
  readonly utcTimestamps: boolean;
  /** UpdatedAt may not be before CreatedAt. */
  readonly updatedNotBeforeCreated: boolean;
  /** A provider may not send Workflow, Note, UserDefinedFields or VerificationState (AWS ignores them on update). */
  readonly noWorkflow: boolean;
}

/** Every strict rule on. */
export const STRICT: AsffStrictness = {
  utcTimestamps: true,
  updatedNotBeforeCreated: true,
  noWorkflow: true,
};

const TYPE_NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
];
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;

/**
 * Fields a customer owns once a finding exists (AWS: BatchImportFindings cannot update them):
 * a provider never sends them, on create or update (stricter: AWS ignores them on update).
 */
export const CUSTOMER_FIELDS = ['Note', 'UserDefinedFields', 'VerificationState', 'Workflow'] as const;

/**
 * Fields AWS tells providers not to update with BatchImportFindings: they go in
 * `FindingProviderFields` instead (stricter: AWS accepts them and ignores what an analyst changed).
 */
export const PROVIDER_FIELDS = ['Confidence', 'Criticality', 'RelatedFindings', 'Severity', 'Types'] as const;

/** What BatchUpdateFindings may change (AWS's list), besides the required FindingIdentifiers. */
export const UPDATABLE_FIELDS = [
  'Confidence',
  'Criticality',
  'Note',
  'RelatedFindings',
  'Severity',
  'Types',
  'UserDefinedFields',
  'VerificationState',
  'Workflow',
] as const;

/** Why an update of a finding Security Hub holds breaks the provider rules (empty: it keeps them). */
export function providerUpdateViolations(sent: object): string[] {
  const finding = sent as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of PROVIDER_FIELDS)
    if (finding[name] !== undefined)
      problems.push(`a provider updates ${name} through FindingProviderFields, not the top-level ${name}`);
  const provided = finding.FindingProviderFields as { Severity?: { Label?: unknown } } | undefined;
  if (!provided?.Severity || !SEVERITY_LABELS.includes(String(provided.Severity.Label)))
    problems.push('FindingProviderFields.Severity.Label must be a label');
  return problems;
}

/** Why a finding breaks the rules (empty: it keeps them). `update`: Security Hub holds it already. */
export function asffViolations(sent: object, strictness: AsffStrictness = STRICT, update = false): string[] {
  const finding = sent as Record<string, unknown>;
  const problems: string[] = update ? providerUpdateViolations(sent) : [];
  const required = update
    ? REQUIRED.filter((name) => !(PROVIDER_FIELDS as readonly string[]).includes(name))
    : REQUIRED;
  const text = (name: string, max: number) => {
    const value = finding[name];
    if (typeof value !== 'string' || value.length === 0) problems.push(`${name} must be a non-empty string`);
    else if (value.length > max) problems.push(`${name} is longer than ${max}`);
  };
  for (const name of required) if (finding[name] === undefined) problems.push(`${name} is required`);
  if (finding.SchemaVersion !== '2018-10-08') problems.push('SchemaVersion must be 2018-10-08');
  text('Id', 512);
  text('GeneratorId', 512);
  text('Title', 256);
  text('Description', 1024);
  if (typeof finding.AwsAccountId !== 'string' || !/^\d{12}$/.test(finding.AwsAccountId))
    problems.push('AwsAccountId must be 12 digits');
  const product = /^arn:(aws[a-z-]*):securityhub:[a-z0-9-]+:(\d{12}):product\/(\d{12})\/default$/.exec(
    String(finding.ProductArn),
  );
  if (!product)
    problems.push('ProductArn must be a custom integration: arn:<p>:securityhub:<r>:<a>:product/<a>/default');
  else if (product[2] !== product[3] || product[2] !== finding.AwsAccountId)
    problems.push('ProductArn must name the account of AwsAccountId twice');
  for (const name of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    const value = finding[name];
    if (value === undefined && name !== 'CreatedAt' && name !== 'UpdatedAt') continue;
    if (typeof value !== 'string' || !ISO.test(value) || Number.isNaN(Date.parse(value)))
      problems.push(`${name} must be an ISO 8601 time`);
    else if (strictness.utcTimestamps && !value.endsWith('Z')) problems.push(`${name} must be in UTC (Z)`);
  }
  if (
    strictness.updatedNotBeforeCreated &&
    Date.parse(String(finding.UpdatedAt)) < Date.parse(String(finding.CreatedAt))
  )
    problems.push('UpdatedAt is before CreatedAt');
  const provided = finding.FindingProviderFields as { Types?: unknown } | undefined;
  const types = update ? provided?.Types : finding.Types;
  if (update && types === undefined) {
    // A provider may leave the types as they are.
  } else if (!Array.isArray(types) || types.length === 0 || types.length > 50)
    problems.push('Types must hold 1 to 50 entries');
  else
    for (const type of types) {
      const parts = String(type).split('/');
      if (parts.length > 3 || !TYPE_NAMESPACES.includes(parts[0] ?? ''))
        problems.push(`Types entry "${type}" is not namespace/category/classifier of AWS's taxonomy`);
    }
  const severity = finding.Severity as { Label?: unknown } | undefined;
  if (!update && (!severity || !SEVERITY_LABELS.includes(String(severity.Label))))
    problems.push('Severity.Label must be a label');
  const resources = finding.Resources;
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32)
    problems.push('Resources must hold 1 to 32 resources');
  else
    for (const resource of resources as Record<string, unknown>[]) {
      if (typeof resource.Type !== 'string' || resource.Type.length === 0 || resource.Type.length > 256)
        problems.push('Resources[].Type must be 1 to 256 characters');
      if (typeof resource.Id !== 'string' || resource.Id.length === 0 || resource.Id.length > 512)
        problems.push('Resources[].Id must be 1 to 512 characters');
      if (resource.Partition !== undefined && !PARTITIONS.includes(String(resource.Partition)))
        problems.push('Resources[].Partition must be aws, aws-cn or aws-us-gov');
      if (resource.Type !== 'Other' && typeof resource.Id === 'string' && !resource.Id.startsWith('arn:'))
        problems.push(`Resources[].Id of a ${resource.Type} must be its ARN`);
    }
  if (finding.RecordState !== undefined && !['ACTIVE', 'ARCHIVED'].includes(String(finding.RecordState)))
    problems.push('RecordState must be ACTIVE or ARCHIVED');
  const fields = finding.ProductFields as Record<string, unknown> | undefined;
  if (fields) {
    if (Object.keys(fields).length > 50) problems.push('ProductFields holds more than 50 pairs');
    for (const [key, value] of Object.entries(fields)) {
      if (key.length > 128) problems.push(`ProductFields key ${key} is longer than 128`);
      if (typeof value !== 'string' || value.length > 2048)
        problems.push(`ProductFields ${key} must be a string of at most 2048`);
    }
  }
  if (strictness.noWorkflow)
    for (const name of CUSTOMER_FIELDS)
      if (finding[name] !== undefined)
        problems.push(`a provider does not send ${name}: the customer owns it (BatchUpdateFindings)`);
  if (JSON.stringify(finding).length > 240 * 1024) problems.push('the finding is larger than 240 KB');
  return problems;
}
