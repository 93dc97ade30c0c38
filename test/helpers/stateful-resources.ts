/**
 * The resources of a template that hold state or identity a deployment must not lose: replacing
 * one (a new logical id, or a change to a property CloudFormation can only apply by replacement)
 * loses data (the state table, queued messages, the archive), a token someone filled in, an
 * address someone allowlisted, or subscriptions someone confirmed. test/infra/stable-ids.test.ts
 * compares them with the list taken from the app before the construct library
 * (test/fixtures/infra/stateful-resources.json).
 */

/** Resource types that hold state, with the properties whose change replaces them (CloudFormation's "Update requires: Replacement"). */
export const STATEFUL_TYPES: Readonly<Record<string, readonly string[]>> = {
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema'],
  'AWS::Events::EventBus': ['Name'],
  'AWS::Events::Archive': ['ArchiveName', 'SourceArn'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::KMS::Key': ['KeySpec'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::EC2::EIP': ['Domain'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName', 'StateMachineType'],
};

/** One stateful resource: its type and its replacing properties as the template has them. */
export interface StatefulResource {
  readonly type: string;
  readonly replacing: Record<string, unknown>;
}

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The stateful resources of `template`, by logical id, in id order. */
export function statefulResources(template: TemplateJson): Record<string, StatefulResource> {
  const entries = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type in STATEFUL_TYPES)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, resource]) => {
      const replacing = Object.fromEntries(
        (STATEFUL_TYPES[resource.Type] ?? [])
          .filter((name) => resource.Properties?.[name] !== undefined)
          .map((name) => [name, resource.Properties?.[name]]),
      );
      return [id, { type: resource.Type, replacing }] as const;
    });
  return Object.fromEntries(entries);
}
