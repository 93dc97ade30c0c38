/**
 * The shipped Slack notifier (its esbuild bundle from the synthesized assembly, run the way the
 * Lambda runtime loads it) against the Slack Web API peer, with its token in moto's Secrets
 * Manager and its dead-letter queue on moto's SQS. Slack answers `ok: false` with HTTP 200: a
 * refusal must fail the record, never pass for delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { motoClients, uniqueName } from '../../helpers/aws.ts';
import {
  type Invocation,
  invokeBundle,
  type StagedBundle,
  stageBundle,
} from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { findingEvent, sqsBatch } from '../../helpers/queued-finding-events.ts';
import { synthesize } from '../../helpers/stack.ts';
import { suppressedEvent } from '../../helpers/suppressed-finding-events.ts';
import { type SlackPeer, startSlackPeer } from '../../peers/slack/server.ts';

const TOKEN = 'xoxb-1111-2222-notifier-test-token';
const CHANNEL = '#dspm-alerts';
const SLACK_SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf';

type FunctionResource = {
  Properties: {
    Code: { S3Key: string };
    Handler: string;
    Environment: { Variables: Record<string, unknown> };
  };
};

describe('the shipped Slack notifier against the Slack peer', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const outdir = mkdtempSync(join(tmpdir(), 'dspm-bridge-slack-'));
  let peer: SlackPeer;
  let bundle: StagedBundle;
  let deployed: FunctionResource['Properties'];
  let dlqUrl: string;
  const outputs: string[] = [];

  /** Invokes the bundle once with the deployed environment, the token secret holding `secretValue`. */
  async function invoke(
    event: unknown,
    secretId: string,
  ): Promise<Invocation & { result: SQSBatchResponse }> {
    const variables = Object.fromEntries(
      Object.entries(deployed.Environment.Variables).filter(([, v]) => typeof v === 'string'),
    ) as Record<string, string>;
    const env = lambdaRuntimeEnvironment(
      {
        Environment: {
          Variables: {
            ...variables,
            SLACK_TOKEN_SECRET_ID: secretId,
            SLACK_API_URL: `${peer.url}/api`,
            DEAD_LETTER_QUEUE_URL: dlqUrl,
          },
        },
        Handler: deployed.Handler,
        FunctionName: 'dspm-bridge-slack',
        MemorySize: 256,
      },
      endpoint,
    );
    const invocation = await invokeBundle(bundle, env, event, 110_000);
    outputs.push(invocation.output);
    expect(invocation.error).toBeUndefined();
    return invocation as Invocation & { result: SQSBatchResponse };
  }

  async function secretHolding(value: string): Promise<string> {
    const name = uniqueName('slack-token');
    const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    await clients.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return name;
  }

  beforeAll(async () => {
    const { template } = synthesize(
      { slack: { botTokenSecretArn: SLACK_SECRET_ARN, channel: CHANNEL } },
      { bundle: true, outdir },
    );
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
    const [, notifier] = Object.entries(functions).find(([id]) => id.startsWith('SlackNotifier')) ?? [];
    if (!notifier) throw new Error('the stack has no Slack notifier function');
    deployed = notifier.Properties;
    bundle = stageBundle(join(outdir, `asset.${deployed.Code.S3Key.replace(/\.zip$/, '')}`));
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName('slack-dlq')}.fifo`,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    if (!QueueUrl) throw new Error('moto returned no queue URL');
    dlqUrl = QueueUrl;
    peer = await startSlackPeer({
      tokens: [TOKEN],
      channels: [CHANNEL],
      channelsWithoutBot: ['#secret-room'],
    });
  }, 180_000);

  afterAll(async () => {
    await peer?.close();
    bundle?.remove();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('posts a message on open, on escalation and on resolve, one second apart, and reports no failure', async () => {
    // Arrange: the secret in its old format, the header value.
    const secretId = await secretHolding(`Bearer ${TOKEN}`);
    const before = peer.messages.length;
    // Act
    const { result } = await invoke(
      sqsBatch([findingEvent('opened'), findingEvent('updated'), findingEvent('resolved')]),
      secretId,
    );
    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    const posted = peer.messages.slice(before);
    expect(posted.map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^DSPM HIGH finding opened: High risk on engineering \(Postgres\) \(engineering, 123456789012 \/ us-west-2, /,
      ),
      expect.stringMatching(/^DSPM Finding escalated HIGH → CRITICAL: High risk on engineering/),
      expect.stringMatching(/^DSPM Finding resolved \(condition cleared\): High risk on engineering/),
    ]);
    expect(JSON.stringify(posted[0]?.blocks)).toContain('data_store_risk_rating');
    const gaps = posted.slice(1).map((m, i) => m.at - (posted[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(peer.requests.filter((r) => r.status === 429)).toEqual([]);
  });

  it('marks a test event as a test in its first words', async () => {
    const secretId = await secretHolding(TOKEN);
    const before = peer.messages.length;
    const { result } = await invoke(sqsBatch([findingEvent('opened', { test: true })]), secretId);
    expect(result).toEqual({ batchItemFailures: [] });
    const [message] = peer.messages.slice(before);
    expect(message?.text.startsWith('[TEST] DSPM')).toBe(true);
    expect(JSON.stringify(message?.blocks)).toContain('This is a test event');
  });

  it('posts one message when a finding is suppressed and one when it comes back, nothing in between', async () => {
    // Arrange: events the rule would have dropped reach the queue anyway (a hand-made rule, a replay).
    const secretId = await secretHolding(TOKEN);
    const before = peer.messages.length;
    // Act
    const { result, output } = await invoke(
      sqsBatch([
        suppressedEvent('suppressed'),
        suppressedEvent('updated-while-suppressed'),
        suppressedEvent('opened-suppressed'),
        suppressedEvent('unsuppressed'),
      ]),
      secretId,
    );
    // Assert
    expect(result).toEqual({ batchItemFailures: [] });
    const posted = peer.messages.slice(before);
    expect(posted.map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^DSPM Finding suppressed until 2027-02-20: High risk on engineering .* exc-0123456789abcdef, risk-accepted, requested by alice@example\.com: /,
      ),
      expect.stringMatching(/^DSPM Finding open again \(exception expired\): High risk on engineering/),
    ]);
    expect(JSON.stringify(posted[0]?.blocks)).toContain('ciso@example.com');
    expect(output.match(/"why":"the finding is suppressed by exc-0123456789abcdef/g)).toHaveLength(2);
  });

  it('fails every record Slack refuses with ok:false (a bad token), and never logs the token', async () => {
    const wrong = 'xoxb-9999-wrong-token-never-logged';
    const secretId = await secretHolding(`Bearer ${wrong}`);
    const before = peer.messages.length;
    const { result, output } = await invoke(
      sqsBatch([findingEvent('opened'), findingEvent('updated')]),
      secretId,
    );
    // The first is refused; the second waits behind it in its FIFO group.
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['msg-1', 'msg-2']);
    expect(peer.messages.length).toBe(before);
    expect(peer.requests.at(-1)?.answer).toEqual({ ok: false, error: 'invalid_auth' });
    expect(output).toContain('invalid_auth');
    expect(output).toContain('put a valid bot token');
    expect(output).not.toContain(wrong);
    expect(outputs.join('\n')).not.toContain(TOKEN);
  });

  it('fails a record when the bot is not in the channel', async () => {
    const secretId = await secretHolding(TOKEN);
    const variables = deployed.Environment.Variables;
    deployed.Environment.Variables = { ...variables, SLACK_CHANNEL: '#secret-room' };
    try {
      const { result, output } = await invoke(sqsBatch([findingEvent('opened')]), secretId);
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
      expect(output).toContain('not_in_channel');
      expect(output).toContain('invite the bot');
    } finally {
      deployed.Environment.Variables = variables;
    }
  });

  it("honours Slack's Retry-After on a 429 and then delivers", async () => {
    const secretId = await secretHolding(TOKEN);
    const before = peer.requests.length;
    peer.throttleNext(1, 2);
    const { result } = await invoke(sqsBatch([findingEvent('opened')]), secretId);
    expect(result).toEqual({ batchItemFailures: [] });
    const [refused, accepted] = peer.requests.slice(before);
    expect(refused?.status).toBe(429);
    expect(accepted?.status).toBe(200);
    expect((accepted?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('sends a malformed event to the dead-letter queue with its reason and goes on with the batch', async () => {
    const secretId = await secretHolding(TOKEN);
    const before = peer.messages.length;
    const { result } = await invoke(
      sqsBatch([
        { 'detail-type': 'data-store-finding-opened', id: 'x', detail: { severity: 'high' } },
        findingEvent('opened'),
      ]),
      secretId,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(peer.messages.length).toBe(before + 1);
    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MessageAttributeNames: ['All'],
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages?.map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual([
      expect.stringMatching(/^not a finding event: detail\.\w+/),
    ]);
  });

  it('does not post a de-escalation by default', async () => {
    const secretId = await secretHolding(TOKEN);
    const before = peer.messages.length;
    const { result, output } = await invoke(
      sqsBatch([findingEvent('updated', { severity: 'high', previousSeverity: 'critical' })]),
      secretId,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(peer.messages.length).toBe(before);
    expect(output).toContain('de-escalation');
  });

  it('paces a burst of 50 findings so the strict one-per-second peer refuses none', async () => {
    // Arrange: 50 findings on 50 stores, five batches of ten as the event source mapping hands them over.
    const secretId = await secretHolding(TOKEN);
    const before = { messages: peer.messages.length, requests: peer.requests.length };
    const events = Array.from({ length: 50 }, (_, i) =>
      findingEvent(
        'opened',
        { correlationId: `example.goskope.com/data-store/${i + 10}/finding/high-risk/1` },
        `burst-${i}`,
      ),
    );
    const started = Date.now();
    // Act: one batch after another, each in a fresh process (a cold container knows no last post).
    for (let batch = 0; batch < 5; batch++) {
      const { result } = await invoke(sqsBatch(events.slice(batch * 10, batch * 10 + 10)), secretId);
      expect(result).toEqual({ batchItemFailures: [] });
    }
    const elapsed = Date.now() - started;
    // Assert
    expect(peer.messages.length - before.messages).toBe(50);
    expect(peer.requests.slice(before.requests).filter((r) => r.status !== 200)).toEqual([]);
    process.stderr.write(
      `burst of 50: ${elapsed} ms, ${(50_000 / elapsed).toFixed(2)} messages/s, 0 refused\n`,
    );
  }, 300_000);
});
