/**
 * The poll workflow as synthesized (the definition is executed, with the shipped poller as its
 * task, in test/integration/poll/poll-workflow-execution.test.ts; the task handler is tested
 * directly in test/integration/poll/poll-workflow-task.test.ts): the definition
 * parsed from its DefinitionString (the Map over tenants, the chunk loop, the Choice routes, the
 * retries, the Catch and the Fail), the schedule that starts it, its logging and tracing, the
 * IAM each part gets, and the tenants list through the stack (secrets, environment, alarms).
 */
import { describe, expect, it } from 'vitest';
import { WORKFLOW_STATUSES } from '#shared/config/workflow-task.ts';
import {
  BRIDGE_TRANSIENT_ERRORS,
  LAMBDA_SERVICE_ERRORS,
  TIME_BUDGET_ERRORS,
  WORKFLOW_TIMEOUT,
} from '../../infra/constructs/poll-workflow.ts';
import { synthesize } from '../helpers/stack.ts';

type Template = ReturnType<typeof synthesize>['template'];
type Resource = { Type: string; Properties: Record<string, unknown> };
type State = Record<string, unknown> & { Type: string; Next?: string; End?: boolean };
type Definition = { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const TWO_TENANTS = {
  tenantUrl: undefined,
  tenants: [
    { tenantUrl: 'https://acme.goskope.com' },
    {
      tenantUrl: 'https://beta.netskope.com',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:beta-AbCdEf',
      rateLimitRps: 20,
    },
  ],
};

/** The one resource of `type` whose logical id starts with `prefix`, with its id. */
function only(template: Template, type: string, prefix = ''): [string, Resource] {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.startsWith(prefix),
  );
  expect(found, `${type} ${prefix}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

/**
 * The state machine's definition as JSON: the DefinitionString's Fn::Join parts joined, each
 * reference written as `<Ref:id>` or `<GetAtt:id.attr>` where it stands in a string.
 */
function definitionOf(template: Template): Definition {
  const [, machine] = only(template, 'AWS::StepFunctions::StateMachine');
  const definition = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] } | string;
  if (typeof definition === 'string') return JSON.parse(definition) as Definition;
  const text = definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
      if (getAtt) return `<GetAtt:${getAtt.join('.')}>`;
      return `<Ref:${(part as { Ref?: string }).Ref}>`;
    })
    .join('');
  return JSON.parse(text) as Definition;
}

/** The states of the Map's item processor (one tenant's branch). */
function branchOf(definition: Definition): Record<string, State> {
  const map = definition.States.PollTenants as State & { ItemProcessor: { States: Record<string, State> } };
  return map.ItemProcessor.States;
}

/** Every IAM statement of the policies attached to the role whose logical id starts with `prefix`. */
function statementsOfRole(template: Template, rolePrefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"Ref":"${rolePrefix}`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('the poll workflow', () => {
  const { template } = synthesize();
  const definition = definitionOf(template);
  const branch = branchOf(definition);
  const [pollerId] = only(template, 'AWS::Lambda::Function', 'PollerFunction');
  const [machineId, machine] = only(template, 'AWS::StepFunctions::StateMachine');

  it('is a STANDARD state machine with a timeout, logging every state and traced', () => {
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    expect(definition.TimeoutSeconds).toBe(WORKFLOW_TIMEOUT.toSeconds());
    expect(definition.TimeoutSeconds).toBe(6 * 3600);
    const [logGroupId, logGroup] = only(template, 'AWS::Logs::LogGroup', 'PollWorkflowLogs');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(JSON.stringify(machine.Properties.LoggingConfiguration)).toContain(logGroupId);
  });

  it('maps the configured tenants, a bounded number at once, each with a runId of the execution and the tenant', () => {
    expect(definition.StartAt).toBe('Tenants');
    expect(definition.States.Tenants).toMatchObject({
      Type: 'Pass',
      Result: { tenants: ['example.goskope.com'] },
      Next: 'PollTenants',
    });
    expect(definition.States.PollTenants).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.tenants',
      MaxConcurrency: 4,
      ResultPath: '$.outcomes',
      ItemSelector: {
        'tenant.$': '$$.Map.Item.Value',
        'runId.$': "States.Format('{}/{}', $$.Execution.Name, $$.Map.Item.Value)",
      },
      ItemProcessor: { StartAt: 'Chunk', ProcessorConfig: { Mode: 'INLINE' } },
      Next: 'Outcomes',
    });
  });

  it('invokes the poller with {step, tenant, runId} for the chunk and the finish, reading its answer into $.result', () => {
    for (const [name, step] of [
      ['Chunk', 'chunk'],
      ['Finish', 'finish'],
    ] as const) {
      expect(branch[name], name).toMatchObject({
        Type: 'Task',
        Resource: `<GetAtt:${pollerId}.Arn>`,
        Parameters: { step, 'tenant.$': '$.tenant', 'runId.$': '$.runId' },
        ResultPath: '$.result',
        // The Lambda's own 10 minutes and one more: a hung invocation cannot hold the branch.
        TimeoutSeconds: 660,
      });
    }
  });

  it('loops on more, finishes on listed, ends a tenant quietly on skipped or token-not-set, and fails it otherwise', () => {
    const status = (value: string) => ({ Variable: '$.result.status', StringEquals: value });
    expect(branch.Chunk?.Next).toBe('AfterChunk');
    expect(branch.AfterChunk).toEqual({
      Type: 'Choice',
      Choices: [
        { ...status(WORKFLOW_STATUSES.more), Next: 'Chunk' },
        { ...status(WORKFLOW_STATUSES.listed), Next: 'Finish' },
        {
          Or: [status(WORKFLOW_STATUSES.skipped), status(WORKFLOW_STATUSES.tokenNotSet)],
          Next: 'TenantSkipped',
        },
      ],
      Default: 'TenantFailed',
    });
    expect(branch.Finish?.Next).toBe('AfterFinish');
    expect(branch.AfterFinish).toEqual({
      Type: 'Choice',
      Choices: [
        { ...status(WORKFLOW_STATUSES.completed), Next: 'TenantPolled' },
        {
          Or: [status(WORKFLOW_STATUSES.skipped), status(WORKFLOW_STATUSES.tokenNotSet)],
          Next: 'TenantSkipped',
        },
      ],
      Default: 'TenantFailed',
    });
    // Each branch ends in one outcome string; the Map's result is their list.
    expect(branch.TenantPolled).toEqual({ Type: 'Pass', Result: 'polled', End: true });
    expect(branch.TenantSkipped).toEqual({ Type: 'Pass', Result: 'skipped', End: true });
    expect(branch.TenantFailed).toEqual({ Type: 'Pass', Result: 'failed', End: true });
    // Nothing inside a branch can end the execution: no Fail and no Succeed there.
    expect(Object.values(branch).map((state) => state.Type)).not.toContain('Fail');
  });

  it("retries Lambda's service errors and throttles, then the bridge's passing errors, with capped backoff", () => {
    for (const name of ['Chunk', 'Finish']) {
      expect(branch[name]?.Retry, name).toEqual([
        {
          ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
        {
          ErrorEquals: [...TIME_BUDGET_ERRORS],
          IntervalSeconds: 15,
          MaxAttempts: 4,
          BackoffRate: 2,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
        {
          ErrorEquals: [...BRIDGE_TRANSIENT_ERRORS],
          IntervalSeconds: 5,
          MaxAttempts: 3,
          BackoffRate: 2,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
      ]);
    }
    expect(LAMBDA_SERVICE_ERRORS).toContain('Lambda.TooManyRequestsException');
    // The names are the error classes' own (Lambda reports error.name as errorType).
    expect(BRIDGE_TRANSIENT_ERRORS).toEqual([
      'TransientError',
      'LeaseLostError',
      'DspmServerError',
      'DspmConnectionError',
      'DspmRateLimitError',
    ]);
  });

  it("catches any other error of a tenant's step as that tenant's failure, and fails the execution after the Map", () => {
    for (const name of ['Chunk', 'Finish']) {
      expect(branch[name]?.Catch, name).toEqual([
        // Throttled after the retries: the reserved slots are another execution's; skip, as on a held lease.
        { ErrorEquals: ['Lambda.TooManyRequestsException'], ResultPath: '$.error', Next: 'TenantSkipped' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'TenantFailed' },
      ]);
    }
    expect(definition.States.Outcomes).toEqual({
      Type: 'Pass',
      Parameters: {
        'outcomes.$': '$.outcomes',
        'anyFailed.$': "States.ArrayContains($.outcomes, 'failed')",
      },
      Next: 'AnyTenantFailed',
    });
    expect(definition.States.AnyTenantFailed).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.anyFailed', BooleanEquals: true, Next: 'PollFailed' }],
      Default: 'Polled',
    });
    expect(definition.States.PollFailed).toMatchObject({ Type: 'Fail', Error: 'TenantPollFailed' });
    expect(definition.States.Polled).toEqual({ Type: 'Succeed' });
  });

  it('is started by the poll schedule, which no longer invokes the poller', () => {
    const schedules = Object.values(
      template.findResources('AWS::Scheduler::Schedule') as Record<string, Resource>,
    );
    const poll = schedules.filter((s) => JSON.stringify(s.Properties.Target).includes(machineId));
    expect(poll).toHaveLength(1);
    expect(poll[0]?.Properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      Target: {
        Arn: { Ref: machineId },
        Input: '{}',
        RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^PollWorkflowDeadLetters/), 'Arn'] },
        },
      },
    });
    expect(schedules.some((s) => JSON.stringify(s.Properties.Target).includes(pollerId))).toBe(false);
    // The poller is invoked synchronously by the workflow: no async retry config of its own.
    const asyncConfigs = Object.values(
      template.findResources('AWS::Lambda::EventInvokeConfig') as Record<string, Resource>,
    );
    expect(asyncConfigs.some((c) => JSON.stringify(c.Properties).includes(pollerId))).toBe(false);
  });

  it("gives the schedule's role StartExecution on this state machine only, and the workflow's role InvokeFunction on the poller only", () => {
    const [scheduleId, schedule] = only(template, 'AWS::Scheduler::Schedule', 'PollWorkflowSchedule');
    expect(scheduleId).toMatch(/^PollWorkflowSchedule/);
    const scheduleRole = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } })
      .RoleArn['Fn::GetAtt'][0];
    // Start this state machine, and send what it could not start to its dead-letter queue.
    expect(statementsOfRole(template, scheduleRole)).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PollWorkflowDeadLetters/), 'Arn'] },
      },
    ]);
    const machineRole = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = statementsOfRole(template, machineRole);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [pollerId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [pollerId, 'Arn'] }, ':*']] },
        ],
      },
    ]);
    // The rest is log delivery and X-Ray, which take no resource-level permission.
    for (const statement of statements.filter((s) => s !== invoke[0])) {
      expect(statement.Resource).toBe('*');
      expect([statement.Action].flat().every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(
        true,
      );
    }
  });

  it('alarms when an execution fails or times out', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it("turns tracing off with the stack (cdk-nag's finding is acknowledged, or the synth would fail)", () => {
    const { template: untraced } = synthesize({ tracing: false });
    const [, untracedMachine] = only(untraced, 'AWS::StepFunctions::StateMachine');
    expect(untracedMachine.Properties.TracingConfiguration).toEqual({ Enabled: false });
  });
});

describe('the stack with two tenants', () => {
  const { template, stack } = synthesize(TWO_TENANTS);
  const definition = definitionOf(template);
  const [, poller] = only(template, 'AWS::Lambda::Function', 'PollerFunction');
  const variables = (poller.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  it('maps both tenants, in order', () => {
    expect(definition.States.Tenants).toMatchObject({
      Result: { tenants: ['acme.goskope.com', 'beta.netskope.com'] },
    });
  });

  it("creates a secret for the tenant without one and uses the given one for the other; the poller reads both, the tagger and the sweep the first's", () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const [secretId] = only(template, 'AWS::SecretsManager::Secret', 'ApiToken');
    const readers = (fn: string) =>
      Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .filter(([id]) => id.startsWith(`${fn}FunctionServiceRoleDefaultPolicy`))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((s) => s.Resource);
    expect(readers('Poller')).toEqual([
      { Ref: secretId },
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:beta-AbCdEf',
    ]);
    expect(readers('Tagger')).toEqual([{ Ref: secretId }]);
    expect(readers('Coverage')).toEqual([{ Ref: secretId }]);
    expect(stack.tenantSecrets).toHaveLength(2);
  });

  it('gives the poller DSPM_TENANTS with each secret and its own pace, and the tagger and the sweep the first tenant', () => {
    const list = variables.DSPM_TENANTS as { 'Fn::Join': [string, unknown[]] };
    const text = list['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
      .join('');
    const [secretId] = only(template, 'AWS::SecretsManager::Secret', 'ApiToken');
    expect(JSON.parse(text)).toEqual([
      // The first tenant's limit (the default 5) is shared with the tagger and the sweep: 2 for the poller.
      { url: 'https://acme.goskope.com', tokenSecretId: `<${secretId}>`, rateLimitRps: 2 },
      // The second is the poller's alone: its 20 less one of slack.
      {
        url: 'https://beta.netskope.com',
        tokenSecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:beta-AbCdEf',
        rateLimitRps: 19,
      },
    ]);
    expect(variables.DSPM_TENANT_URL).toBeUndefined();
    expect(variables.DSPM_API_TOKEN_SECRET_ID).toBeUndefined();
    // Two tenants polled at once at most: two poller invocations.
    expect(poller.Properties.ReservedConcurrentExecutions).toBe(2);
    for (const fn of ['TaggerFunction', 'CoverageFunction']) {
      const [, resource] = only(template, 'AWS::Lambda::Function', fn);
      expect(
        (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      ).toMatchObject({
        DSPM_TENANT_URL: 'https://acme.goskope.com',
        DSPM_API_TOKEN_SECRET_ID: { Ref: secretId },
      });
    }
  });

  it('alarms per tenant on no completed poll, incomplete polls, throttling, publish failures and the token, each naming its tenant', () => {
    const alarms = Object.entries(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    for (const [host, label] of [
      ['acme.goskope.com', 'acmegoskopecom'],
      ['beta.netskope.com', 'betanetskopecom'],
    ]) {
      for (const name of [
        'NoCompletedPoll',
        'IncompletePolls',
        'DspmThrottling',
        'PublishFailures',
        'TokenNotSet',
      ]) {
        const found = alarms.filter(([id]) => id.startsWith(`Alarms${label}${name}`));
        expect(found, `${host} ${name}`).toHaveLength(1);
        expect(JSON.stringify(found[0]?.[1].Properties.AlarmDescription)).toContain(host);
        expect(JSON.stringify(found[0]?.[1].Properties)).toContain(`{"Name":"Tenant","Value":"${host}"}`);
      }
    }
    // The second tenant's token alarm names its own secret and counts only the poller.
    const [, betaToken] = alarms.find(([id]) => id.startsWith('AlarmsbetanetskopecomTokenNotSet')) ?? [];
    expect(JSON.stringify(betaToken?.Properties.AlarmDescription)).toContain('secret:beta-AbCdEf');
    expect(JSON.stringify(betaToken?.Properties.Metrics)).not.toContain('dspm-bridge-tagger');
  });

  it("outputs each tenant's token secret", () => {
    const outputs = template.findOutputs('TenantTokenSecretArns');
    expect(JSON.stringify(outputs)).toContain('beta.netskope.com');
  });
});

describe('tenant configuration errors', () => {
  it.each([
    [
      'a host listed twice',
      {
        tenantUrl: undefined,
        tenants: [{ tenantUrl: 'https://acme.goskope.com' }, { tenantUrl: 'https://ACME.goskope.com/' }],
      },
      'context dspm-bridge.tenants lists acme.goskope.com more than once: list each tenant once',
    ],
    [
      'tenantUrl beside tenants',
      { tenants: [{ tenantUrl: 'https://beta.goskope.com' }] },
      'context dspm-bridge: set tenantUrl (one tenant) or tenants (several), not both',
    ],
    [
      'tokenSecretArn beside tenants',
      {
        tenantUrl: undefined,
        tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf',
        tenants: [{ tenantUrl: 'https://beta.goskope.com' }],
      },
      'context dspm-bridge.tokenSecretArn goes with tenantUrl; with tenants, give each its own tokenSecretArn',
    ],
    [
      'a tenant outside Netskope',
      {
        tenantUrl: undefined,
        tenants: [{ tenantUrl: 'https://acme.goskope.com' }, { tenantUrl: 'https://beta.example.org' }],
      },
      /^context dspm-bridge\.tenants\.1\.tenantUrl: host "beta\.example\.org" is not a Netskope tenant/,
    ],
    [
      'a first tenant whose limit cannot be shared',
      { tenantUrl: undefined, tenants: [{ tenantUrl: 'https://acme.goskope.com', rateLimitRps: 2 }] },
      /^context dspm-bridge\.tenants\.0\.rateLimitRps: must be at least 4/,
    ],
  ])('names the key for %s', (_case, config, message) => {
    expect(() => synthesize(config)).toThrow(message);
  });
});
