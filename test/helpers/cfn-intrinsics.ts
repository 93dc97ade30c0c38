/**
 * Resolves the CloudFormation intrinsics a synthesized template uses in the values a test runs
 * (a function's environment, a state machine's DefinitionString) to concrete strings, the way
 * CloudFormation would at deploy time: `Ref` and `Fn::GetAtt` through the test's own physical
 * resources, pseudo parameters from the account and region moto answers as, `Fn::Join` and
 * `Fn::Sub` on top. Anything else, or a reference the test did not provide, fails loudly: a
 * value half resolved would run with a placeholder in it.
 */
import { MOTO_AWS } from './moto.ts';

/** The account moto answers as. */
export const MOTO_ACCOUNT = '123456789012';

/** The test's stand-in for each resource: `Ref` and each attribute `Fn::GetAtt` asks for. */
export type PhysicalResources = Readonly<
  Record<string, { readonly ref: string; readonly attributes?: Readonly<Record<string, string>> }>
>;

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': MOTO_ACCOUNT,
  'AWS::Region': MOTO_AWS.region,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** `value` with every intrinsic resolved; throws naming the first one it cannot resolve. */
export function resolveIntrinsics(value: unknown, resources: PhysicalResources, where = '$'): unknown {
  if (Array.isArray(value))
    return value.map((item, i) => resolveIntrinsics(item, resources, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [key, argument] = (entries[0] ?? []) as [string, unknown];
  if (entries.length === 1 && (key === 'Ref' || key.startsWith('Fn::'))) {
    return resolveFunction(key, argument, resources, where);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, resources, `${where}.${k}`)]));
}

/** Like `resolveIntrinsics`, for a value that must come out a string. */
export function resolveString(value: unknown, resources: PhysicalResources, where = '$'): string {
  const resolved = resolveIntrinsics(value, resources, where);
  if (typeof resolved !== 'string') throw new Error(`${where} resolves to ${typeof resolved}, not a string`);
  return resolved;
}

function resolveFunction(
  name: string,
  argument: unknown,
  resources: PhysicalResources,
  where: string,
): unknown {
  if (name === 'Ref') return reference(String(argument), undefined, resources, where);
  if (name === 'Fn::GetAtt') {
    const [id, attribute] = argument as [string, string];
    return reference(id, attribute, resources, where);
  }
  if (name === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    return parts.map((part, i) => resolveString(part, resources, `${where}.Fn::Join[${i}]`)).join(separator);
  }
  if (name === 'Fn::Sub' && typeof argument === 'string') {
    return argument.replace(/\$\{([^}]+)\}/g, (_, inner: string) => {
      const [id, attribute] = inner.split('.', 2) as [string, string | undefined];
      return reference(id, attribute, resources, where);
    });
  }
  throw new Error(
    `${where}: ${name} is not resolved by this helper: ${JSON.stringify(argument).slice(0, 200)}`,
  );
}

function reference(id: string, attribute: string | undefined, resources: PhysicalResources, where: string) {
  if (attribute === undefined && PSEUDO_PARAMETERS[id] !== undefined) return PSEUDO_PARAMETERS[id];
  const resource = resources[id];
  const value = attribute === undefined ? resource?.ref : resource?.attributes?.[attribute];
  if (value === undefined) {
    throw new Error(
      `${where} references ${attribute ? `${id}.${attribute}` : id}, which the test did not provide`,
    );
  }
  return value;
}
