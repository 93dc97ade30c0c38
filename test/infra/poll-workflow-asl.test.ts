/**
 * The poll workflow's synthesized definition checked by asl-validator (the Amazon States Language
 * JSON schema, transitions, terminal states, duplicate state names, payload templates, every
 * JSONPath and every Task resource ARN), with its references resolved as a deploy resolves them.
 * A definition CloudFormation would refuse, or one with a dangling state, fails here at synth
 * time rather than at deploy.
 */
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { MOTO_ACCOUNT, type PhysicalResources, resolveString } from '../helpers/cfn-intrinsics.ts';
import type { CfnTemplate } from '../helpers/moto-template.ts';
import { synthesize } from '../helpers/stack.ts';

const TWO_TENANTS = {
  tenantUrl: undefined,
  tenants: [{ tenantUrl: 'https://acme.goskope.com' }, { tenantUrl: 'https://beta.goskope.com' }],
};

/** The definition of the stack's one state machine, its function references resolved to ARNs. */
function synthesizedDefinition(config: Record<string, unknown>): Record<string, unknown> {
  const template = synthesize(config).template.toJSON() as CfnTemplate;
  const resources: Record<string, { ref: string; attributes: Record<string, string> }> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    resources[id] = {
      ref: id,
      attributes: { Arn: `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT}:function:${id}` },
    };
  }
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  expect(machines).toHaveLength(1);
  const physical: PhysicalResources = resources;
  return JSON.parse(resolveString(machines[0]?.Properties?.DefinitionString, physical)) as Record<
    string,
    unknown
  >;
}

describe('the poll workflow definition, validated as Amazon States Language', () => {
  const definition = synthesizedDefinition(TWO_TENANTS);

  it('is valid, its paths and Task ARNs checked', () => {
    // Act
    const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
    // Assert
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is checked for real: a Choice that routes to a state that does not exist is refused', () => {
    // Arrange: the branch's AfterChunk sends `more` nowhere.
    const broken = structuredClone(definition) as {
      States: { PollTenants: { ItemProcessor: { States: { AfterChunk: { Choices: { Next: string }[] } } } } };
    };
    const choice = broken.States.PollTenants.ItemProcessor.States.AfterChunk.Choices[0];
    if (choice) choice.Next = 'NoSuchState';
    // Act
    const result = validator(broken, { checkPaths: true, checkArn: true });
    // Assert
    expect(result.isValid).toBe(false);
    expect(result.errors.map((error) => error['Error code'])).toContain('MISSING_TRANSITION_TARGET');
  });
});
