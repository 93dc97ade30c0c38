import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

describe('the stack passes finding severities to the functions', () => {
  it('sets FINDING_SEVERITIES on the poller and the tagger from findingSeverities', () => {
    const { template } = synthesize({
      findingSeverities: { 'public-access': 'critical', 'backup-off': 'off' },
    });
    for (const description of ['Polls Netskope One DSPM', 'Keeps the DSPM Unprotected tag']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(description),
        Environment: {
          Variables: Match.objectLike({ FINDING_SEVERITIES: 'public-access=critical,backup-off=off' }),
        },
      });
    }
  });

  it('leaves it unset by default, so the functions take the documented defaults', () => {
    const { template } = synthesize();
    const functions = template.findResources('AWS::Lambda::Function');
    const set = Object.values(functions).filter(
      (resource) => resource.Properties?.Environment?.Variables?.FINDING_SEVERITIES !== undefined,
    );
    expect(set).toEqual([]);
  });

  it('names the key and the entry for a severity it does not know', () => {
    expect(() => synthesize({ findingSeverities: { 'backup-off': 'urgent' } })).toThrow(
      /context dspm-bridge\.findingSeverities: "backup-off" takes one of low, medium, high, critical, off, got "urgent"/,
    );
  });
});
