/**
 * The `DspmBridge` construct's props are the app's context keys, checked by the one schema of
 * infra/config.ts: the same keys (the typecheck of this file fails when the schema gains or loses
 * one the props do not), the same defaults, and the same messages, naming `DspmBridge props.<key>`
 * where the app names `context dspm-bridge.<key>`.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { ConfigError } from '#shared/errors.ts';
import { readStackConfig, type stackConfigSchema } from '../../infra/config.ts';
import { DspmBridge } from '../../infra/dspm-bridge.ts';
import type {
  DspmBridgeProps,
  DspmBridgeServiceNow,
  DspmBridgeSlack,
  DspmBridgeTenant,
} from '../../infra/dspm-bridge-props.ts';

type Context = z.input<typeof stackConfigSchema>;

describe('the props type', () => {
  it('has exactly the keys of the context, at every level', () => {
    expectTypeOf<keyof DspmBridgeProps>().toEqualTypeOf<keyof Context>();
    expectTypeOf<keyof DspmBridgeTenant>().toEqualTypeOf<keyof NonNullable<Context['tenants']>[number]>();
    expectTypeOf<keyof DspmBridgeSlack>().toEqualTypeOf<keyof NonNullable<Context['slack']>>();
    expectTypeOf<keyof DspmBridgeServiceNow>().toEqualTypeOf<keyof NonNullable<Context['serviceNow']>>();
  });

  it('takes every value the context takes', () => {
    expectTypeOf<Context>().toExtend<DspmBridgeProps>();
  });
});

/** What constructing the bridge with `props` throws. */
function constructionError(props: DspmBridgeProps): Error {
  try {
    new DspmBridge(new Stack(new App(), 'Consumer'), 'Dspm', props);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the construct took the props');
}

/** What the app's context check throws for the same values. */
function contextError(context: Record<string, unknown>): Error {
  try {
    readStackConfig(context);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the context check took the values');
}

const TENANT = 'https://acme.goskope.com';

describe('checked at construction', () => {
  it.each([
    ['a number out of range', { tenantUrl: TENANT, rpoHours: 0 }],
    ['a mistyped tenant host', { tenantUrl: 'https://acme.goskope.co' }],
    ['plain http', { tenantUrl: 'http://acme.goskope.com' }],
    ['both tenant forms', { tenantUrl: TENANT, tenants: [{ tenantUrl: TENANT }] }],
    ['a tenant listed twice', { tenants: [{ tenantUrl: TENANT }, { tenantUrl: TENANT }] }],
    ['an organization id that is none', { tenantUrl: TENANT, organizationId: 'org-1' }],
    ['risk bands that do not increase', { tenantUrl: TENANT, riskBands: [50, 25, 75] }],
    ['an unknown finding condition', { tenantUrl: TENANT, findingSeverities: { 'no-such': 'high' } }],
    [
      'Slack without a channel',
      { tenantUrl: TENANT, slack: { botTokenSecretArn: 'arn:aws:secretsmanager:x' } },
    ],
    ['an unknown key', { tenantUrl: TENANT, pollIntervalMinute: 5 }],
  ] as [string, Record<string, unknown>][])('%s: the context message, naming the prop', (_name, values) => {
    const thrown = constructionError(values as DspmBridgeProps);
    expect(thrown).toBeInstanceOf(ConfigError);
    const fromContext = contextError(values).message;
    expect(fromContext).toMatch(/^context dspm-bridge[.:]/);
    expect(thrown.message).toBe(fromContext.replace(/^context dspm-bridge/, 'DspmBridge props'));
  });

  it('without a tenant, says how to give one as a prop', () => {
    expect(constructionError({}).message).toBe(
      "DspmBridge props.tenantUrl is not set: give tenantUrl: 'https://<tenant>.goskope.com' (one tenant) or tenants (several)",
    );
  });

  it('with the defaults of the context, in any stack and under any id', () => {
    const stack = new Stack(new App(), 'Consumer');
    const bridge = new DspmBridge(stack, 'Dspm', { tenantUrl: TENANT });
    expect(bridge.node.path).toBe('Consumer/Dspm');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'dspm-bridge' });
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
    expect(stack.resolve(bridge.stateTable.tableName)).toEqual({
      Ref: stack.getLogicalId(bridge.stateTable.node.defaultChild as CfnElement),
    });
  });
});
