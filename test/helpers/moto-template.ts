/**
 * The one place the synthesized template is adapted for moto's CloudFormation, for the deploy
 * test only (the product's template is never bent for moto). Each change names what moto lacks
 * (moto 5.2, measured); everything else deploys as synthesized.
 */

/** A CloudFormation template, as far as the adaptation reads it. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  Parameters?: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  [section: string]: unknown;
}

/** One resource of a template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [attribute: string]: unknown;
}

/**
 * Resource types moto's CloudFormation cannot create, and why each is left out. The test asserts
 * their properties from the template instead (test/infra), and the deploy test says which
 * resources it expects to be missing.
 */
export const UNSUPPORTED_IN_MOTO: Readonly<Record<string, string>> = {
  // No CloudFormation model in moto: CreateStack fails "resource type not supported". The test
  // creates the secret through the Secrets Manager API and substitutes its ARN (see below).
  'AWS::SecretsManager::Secret': 'no CloudFormation support in moto',
  'AWS::CloudWatch::Alarm': 'no CloudFormation support in moto',
  // Its alarm-status widget names the alarms, which moto cannot create (above); the body is
  // checked against CloudWatch's dashboard body structure in test/infra/dashboard.test.ts.
  'AWS::CloudWatch::Dashboard': 'its widgets name the alarms moto cannot create',
  'AWS::Scheduler::Schedule': 'no CloudFormation support in moto; the test invokes with the schedule input',
  'AWS::SQS::QueuePolicy': 'no CloudFormation support in moto (moto does not enforce resource policies)',
  'AWS::SNS::TopicPolicy': 'no CloudFormation support in moto (moto does not enforce resource policies)',
  // Accepted without a model: CreateStack succeeds, nothing is subscribed, and
  // DescribeStackResources lists an entry with no logical id. The test checks the topic instead.
  'AWS::SNS::Subscription': 'moto accepts it but creates nothing',
  // Accepted and skipped: the change set succeeds but moto lists no resource for it and the
  // function reports no async configuration. test/infra/failure-paths.test.ts asserts it on the template.
  'AWS::Lambda::EventInvokeConfig': 'moto accepts it but creates nothing',
  // The CDK's analytics resource: CloudFormation treats it specially; moto lists it without a logical id.
  'AWS::CDK::Metadata': 'not a resource moto models',
};

/**
 * Properties moto's CloudFormation reads past without applying them (measured; the template is
 * not changed for them). The deploy test asserts them on the synthesized template instead, and
 * test/infra asserts them on the stack.
 */
export const IGNORED_BY_MOTO: readonly { type: string; property: string; effect: string }[] = [
  { type: 'AWS::Lambda::Function', property: 'Architectures', effect: 'functions report x86_64' },
  { type: 'AWS::Lambda::Function', property: 'TracingConfig', effect: 'functions report PassThrough' },
  { type: 'AWS::DynamoDB::Table', property: 'TimeToLiveSpecification', effect: 'TTL reports DISABLED' },
  {
    type: 'AWS::DynamoDB::Table',
    property: 'PointInTimeRecoverySpecification',
    effect: 'point-in-time recovery reports DISABLED',
  },
  { type: 'AWS::IAM::Role', property: 'ManagedPolicyArns', effect: 'no policy is attached' },
  {
    type: 'AWS::StepFunctions::StateMachine',
    property: 'LoggingConfiguration',
    effect: 'the state machine reports logging level OFF',
  },
  {
    type: 'AWS::StepFunctions::StateMachine',
    property: 'TracingConfiguration',
    effect: 'the state machine reports tracing disabled',
  },
];

/** What the adaptation did, for the test to report and assert. */
export interface MotoAdaptation {
  readonly template: CfnTemplate;
  /** Logical ids left out, with the reason. */
  readonly removed: Readonly<Record<string, string>>;
}

/**
 * Adapts `template` (left untouched) for moto's CloudFormation.
 * @param secretArns logical id of each `AWS::SecretsManager::Secret` -> the ARN of a secret the
 *   test created through the Secrets Manager API in its place.
 */
export function adaptTemplateForMoto(
  template: CfnTemplate,
  options: { stackName: string; secretArns: Readonly<Record<string, string>> },
): MotoAdaptation {
  const copy = structuredClone(template);
  const removed: Record<string, string> = {};
  for (const [id, resource] of Object.entries(copy.Resources)) {
    const reason = UNSUPPORTED_IN_MOTO[resource.Type];
    if (!reason) continue;
    if (resource.Type === 'AWS::SecretsManager::Secret' && !options.secretArns[id]) {
      throw new Error(`moto cannot create secret ${id}: create it through the API and pass its ARN`);
    }
    removed[id] = reason;
    delete copy.Resources[id];
  }

  for (const resource of Object.values(copy.Resources)) {
    // moto answers ExecuteChangeSet / CreateStack with HTTP 500 when an Archive's EventPattern is a
    // JSON object (CloudFormation takes an object or a string); the same pattern as a string works.
    if (resource.Type === 'AWS::Events::Archive' && typeof resource.Properties?.EventPattern === 'object') {
      resource.Properties.EventPattern = JSON.stringify(resource.Properties.EventPattern);
    }
  }
  for (const resource of Object.values(copy.Resources)) {
    // moto resolves `Ref` of an EventBus to its Python object inside a Rule's EventBusName and
    // fails with HTTP 500 ('EventBus' object has no attribute 'split'); the bus's name works.
    const busRef = (resource.Properties?.EventBusName as { Ref?: string } | undefined)?.Ref;
    const bus = busRef ? copy.Resources[busRef] : undefined;
    if (
      resource.Type === 'AWS::Events::Rule' &&
      resource.Properties &&
      bus?.Type === 'AWS::Events::EventBus'
    ) {
      resource.Properties.EventBusName = bus.Properties?.Name;
    }
  }
  for (const [id, resource] of Object.entries(copy.Resources)) {
    // moto generates an archive name from the stack and logical id longer than the 48 characters
    // its own validation allows, and fails; CloudFormation shortens it. Name it within the limit.
    if (resource.Type === 'AWS::Events::Archive' && resource.Properties && !resource.Properties.ArchiveName) {
      resource.Properties.ArchiveName = `${options.stackName}-${id}`.slice(0, 48);
    }
    // moto names a FIFO queue it generates a name for without the `.fifo` suffix AWS requires, and
    // then refuses it; give it the name CloudFormation would (stack-logicalId-suffix.fifo).
    if (
      resource.Type === 'AWS::SQS::Queue' &&
      resource.Properties?.FifoQueue &&
      !resource.Properties.QueueName
    ) {
      resource.Properties.QueueName = `${`${options.stackName}-${id}`.slice(0, 75)}.fifo`;
    }
  }

  // An output about a resource left out (the dashboard's URL) is left out with it.
  for (const [key, output] of Object.entries(copy.Outputs ?? {})) {
    const aboutRemoved = [...referencedIds(output.Value)].some(
      (target) => removed[target] && !options.secretArns[target],
    );
    if (aboutRemoved && copy.Outputs) delete copy.Outputs[key];
  }
  // References to what was left out: the substituted secrets become their ARN; nothing else that
  // was removed is referenced by a kept resource (checked, so a new reference fails loudly).
  const rewritten = rewriteReferences(copy, (target) => {
    const arn = options.secretArns[target];
    if (arn) return arn;
    if (removed[target]) throw new Error(`a kept resource references ${target}, which moto cannot create`);
    return undefined;
  });
  for (const resource of Object.values(rewritten.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const kept = [resource.DependsOn].flat().filter((id) => !removed[id]);
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
  return { template: rewritten, removed };
}

/** The logical ids `node` names through `Ref` or `Fn::GetAtt`. */
function referencedIds(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencedIds(item, into);
  else if (node !== null && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') into.add(value);
      else if (key === 'Fn::GetAtt' && Array.isArray(value)) into.add(String(value[0]));
      else referencedIds(value, into);
    }
  return into;
}

/** Replaces `{Ref: id}` and `{Fn::GetAtt: [id, ...]}` where `replace(id)` gives a value. */
function rewriteReferences(template: CfnTemplate, replace: (id: string) => unknown): CfnTemplate {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [key, value] = entries[0] as [string, unknown];
      const target =
        key === 'Ref' && typeof value === 'string'
          ? value
          : key === 'Fn::GetAtt' && Array.isArray(value)
            ? String(value[0])
            : undefined;
      if (target !== undefined) {
        const replacement = replace(target);
        if (replacement !== undefined) return replacement;
      }
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, walk(value)]));
  };
  return walk(template) as CfnTemplate;
}
