/**
 * Upgrading keeps every stateful resource: the app, now a consumer of the `DspmBridge` construct,
 * synthesizes the state table, bus, archive, secrets, queues, topic, key, log groups, Elastic IP
 * and state machine under the logical ids, types and replacing properties the app had before the
 * construct library (the fixture was taken from that app). A changed id, a changed type, a changed
 * replacing property or a missing resource would make CloudFormation replace it on update. (A new
 * stateful resource beside them replaces nothing, so it is not pinned here.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STABLE_ID_CONFIGS } from '../fixtures/infra/stable-id-configs.ts';
import { synthesize } from '../helpers/stack.ts';
import { type StatefulResource, statefulResources } from '../helpers/stateful-resources.ts';

const BEFORE = JSON.parse(
  readFileSync(new URL('../fixtures/infra/stateful-resources.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, StatefulResource>>;

describe.each(Object.entries(STABLE_ID_CONFIGS))('the app with %s', (name, config) => {
  const now = statefulResources(synthesize(config).template.toJSON() as never);
  const before = BEFORE[name] ?? {};

  it('was pinned in the fixture', () => {
    expect(Object.keys(before).length).toBeGreaterThan(10);
  });

  it('keeps every stateful resource under its logical id, with its type and replacing properties', () => {
    const kept = Object.fromEntries(Object.keys(before).map((id) => [id, now[id]]));
    expect(kept).toEqual(before);
  });
});
