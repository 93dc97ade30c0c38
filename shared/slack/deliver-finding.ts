/**
 * Use case: one finding event becomes one Slack message (adapter -> **use case** -> domain).
 * Paced to one message per interval per channel, and a 429's `Retry-After` honoured by waiting
 * and sending again, while the invocation has time for it; otherwise the error goes back to the
 * caller, which fails the record so SQS redelivers it. De-escalations are not posted by default:
 * the channel hears when a problem gets worse or ends, not when it gets a little better. While an
 * exception covers a finding the channel hears only that it was suppressed and that it came back.
 */
import type { Clock } from '../clock.ts';
import { SlackRateLimitedError } from './errors.ts';
import type { FindingEvent } from './finding-view.ts';
import { changeOf, type FindingChange, findingMessage } from './message.ts';
import type { PostedMessage, SlackApi } from './post-message.ts';
import { postMessage } from './post-message.ts';

/** How the function delivers. */
export interface DeliverySettings {
  readonly channel: string;
  /** Minimum gap between two posts to the channel (Slack: about one a second). */
  readonly intervalMs: number;
  /** Post `updated` events that lower the severity. */
  readonly postDeescalations: boolean;
  /** Waits for `Retry-After` per message before giving the record back to SQS. */
  readonly maxRateLimitWaits: number;
}

/** When each channel was last posted to; kept across the warm invocations of one container. */
export class ChannelPacer {
  readonly #last = new Map<string, number>();
  readonly clock: Clock;
  readonly intervalMs: number;

  constructor(clock: Clock, intervalMs: number) {
    this.clock = clock;
    this.intervalMs = intervalMs;
  }

  /** Waits until `channel` may get the next message. */
  async wait(channel: string): Promise<void> {
    const last = this.#last.get(channel);
    if (last !== undefined) await this.clock.sleep(last + this.intervalMs - this.clock.now());
  }

  /** Records a post (or a refusal: Slack counted it too). */
  posted(channel: string): void {
    this.#last.set(channel, this.clock.now());
  }

  /**
   * Waits out the interval after the last post, so the next invocation, perhaps in a new
   * container that knows nothing of this one, cannot post too soon.
   */
  async settle(): Promise<void> {
    const latest = Math.max(-Infinity, ...this.#last.values());
    if (Number.isFinite(latest)) await this.clock.sleep(latest + this.intervalMs - this.clock.now());
  }
}

/** What became of one event. */
export type DeliveryOutcome =
  | { readonly kind: 'posted'; readonly change: string; readonly ts: string; readonly rateLimitWaits: number }
  | { readonly kind: 'skipped'; readonly why: string };

/**
 * Why the channel hears nothing of this event, when an exception covers the finding: it heard
 * the suppression and will hear the unsuppression, and nothing in between. A finding that opens
 * already covered never pages (nobody needs to act on it), so neither does its resolve. The rule
 * on the bus drops these already (infra/constructs/slack-notification.ts); this holds when an event
 * reaches the queue another way.
 */
export function whileSuppressed(change: FindingChange, detail: FindingEvent['detail']): string | undefined {
  if (change === 'suppressed' || change === 'unsuppressed') return undefined;
  const covered = detail.status === 'suppressed' || (change === 'resolved' && detail.exception !== undefined);
  if (!covered) return undefined;
  return `the finding is suppressed by ${detail.exception?.exceptionId ?? 'an exception'}: only its suppression and unsuppression are posted`;
}

/** Ports of the use case. */
export interface DeliveryPorts {
  readonly api: SlackApi;
  readonly clock: Clock;
  readonly pacer: ChannelPacer;
  /** Milliseconds the invocation has left. */
  readonly remainingMs: () => number;
}

/**
 * Posts the message for `event`.
 * @throws SlackRefusedError (permanent), SlackRateLimitedError (Slack's wait outlasts the
 *   invocation or the waits allowed), SlackUnavailableError (transient).
 */
export async function deliverFinding(
  event: FindingEvent,
  ports: DeliveryPorts,
  settings: DeliverySettings,
): Promise<DeliveryOutcome> {
  const change = changeOf(event.detailType, event.detail);
  const quiet = whileSuppressed(change, event.detail);
  if (quiet) return { kind: 'skipped', why: quiet };
  if (change === 'de-escalated' && !settings.postDeescalations) {
    return { kind: 'skipped', why: 'de-escalation (SLACK_POST_DEESCALATIONS is off)' };
  }
  const message = findingMessage(settings.channel, change, event.detail);
  let posted: PostedMessage | undefined;
  let waits = 0;
  for (let attempt = 0; posted === undefined; attempt++) {
    await ports.pacer.wait(settings.channel);
    try {
      posted = await postMessage(ports.api, message, () => ports.clock.now());
    } catch (error) {
      ports.pacer.posted(settings.channel);
      // Wait only when Slack's wait and one more call fit in what is left of the invocation.
      const fits =
        error instanceof SlackRateLimitedError && error.retryAfterMs + 15_000 < ports.remainingMs();
      if (!fits || attempt >= settings.maxRateLimitWaits) throw error;
      waits += 1;
      await ports.clock.sleep(error.retryAfterMs);
      continue;
    }
    ports.pacer.posted(settings.channel);
  }
  return { kind: 'posted', change, ts: posted.ts, rateLimitWaits: waits };
}
