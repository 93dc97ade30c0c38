/**
 * The alarm topic is encrypted with a key CloudWatch may use: with the AWS-managed SNS key no
 * alarm could notify anyone, because CloudWatch cannot encrypt what it publishes.
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

type KeyStatement = {
  Sid?: string;
  Effect: string;
  Principal: { Service?: string; AWS?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

describe('the alarm topic', () => {
  const { template } = synthesize();
  const topics = template.findResources('AWS::SNS::Topic');
  const keys = template.findResources('AWS::KMS::Key');

  it('is encrypted with a customer-managed key with rotation on, not alias/aws/sns', () => {
    // Arrange
    const [topic] = Object.values(topics) as { Properties: { KmsMasterKeyId: unknown } }[];
    const [keyId] = Object.keys(keys);
    // Assert
    expect(Object.keys(topics)).toHaveLength(1);
    expect(topic?.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("lets this account's CloudWatch alarms encrypt with the key (Decrypt and GenerateDataKey*)", () => {
    // Arrange
    const [key] = Object.values(keys) as { Properties: { KeyPolicy: { Statement: KeyStatement[] } } }[];
    const statements = key?.Properties.KeyPolicy.Statement ?? [];
    // Act
    const cloudWatch = statements.filter((s) => s.Principal.Service === 'cloudwatch.amazonaws.com');
    // Assert
    expect(cloudWatch).toHaveLength(1);
    expect(cloudWatch[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': expect.anything() },
      },
    });
    expect(JSON.stringify(cloudWatch[0]?.Condition?.ArnLike)).toContain(':alarm:*');
  });

  it('has no publisher other than CloudWatch alarms: every alarm action is the topic', () => {
    // The key policy allows CloudWatch only; nothing else may publish to the topic.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[] };
    }[];
    const [topicId] = Object.keys(topics);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    const publishers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes('sns:Publish'),
    );
    expect(publishers).toEqual([]);
  });
});
