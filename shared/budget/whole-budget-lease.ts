/**
 * The holder's side of the budget on demand (on-demand-budget.ts): the poller paces at the whole
 * limit while it holds a short lease on it, and at its static share otherwise.
 *
 * The lease is renewed from the pacer's own turns rather than by a timer: a poll that stops
 * sending stops renewing, and its lease lapses within `leaseMs` without anyone releasing it. The
 * whole limit is used only under a lease DynamoDB has confirmed: a renewal in flight counts for
 * nothing until its answer arrives.
 * A renewal refused because someone announced demand drops the holder to its static share at
 * once, even with lease time left, and it does not ask again until that demand runs out.
 */
import type { BudgetItem } from './budget-item.ts';
import { type BudgetParticipant, fallBack, type RateBudgetGate } from './on-demand-budget.ts';

/** The holder's settings. */
export interface WholeBudgetLeaseOptions extends BudgetParticipant {
  readonly item: BudgetItem;
  /** The whole limit this tenant gives one consumer (shared/budget/static-split.ts `pollOnlyBudget`). */
  readonly wholeRps: number;
  /** Names this process in the item. */
  readonly holder: string;
}

/** Paces the poller at the whole limit while nobody else needs any of it. */
export class WholeBudgetLease implements RateBudgetGate {
  readonly #options: WholeBudgetLeaseOptions;
  /** The holder may pace at the whole limit before this time (its own clock). */
  #heldUntilMs = 0;
  /** No claim before this time: demand is live, or the coordination failed. */
  #quietUntilMs = 0;
  /** The claim in flight, if any: one at a time. */
  #claiming: Promise<void> | undefined;

  constructor(options: WholeBudgetLeaseOptions) {
    this.#options = options;
  }

  async rate(): Promise<number> {
    const { clock, timing, wholeRps, staticRps } = this.#options;
    const now = clock.now();
    if (!this.#claiming && now >= this.#quietUntilMs && now >= this.#heldUntilMs - timing.renewAheadMs) {
      this.#claiming = this.#claim(now).finally(() => {
        this.#claiming = undefined;
      });
    }
    // A renewal runs beside the requests while the lease lasts (its round trip must not slow the
    // pace); with nothing held, the answer decides this request's pace.
    if (this.#claiming && now >= this.#heldUntilMs) await this.#claiming;
    return clock.now() < this.#heldUntilMs ? wholeRps : staticRps;
  }

  async #claim(now: number): Promise<void> {
    const { item, holder, timing } = this.#options;
    const until = now + timing.leaseMs;
    try {
      const claim = await item.claimWhole(holder, now, until);
      if (claim.held) {
        this.#heldUntilMs = until;
        return;
      }
      // Demand: yield at once, and ask again when it runs out (or soon, when it is not known).
      this.#heldUntilMs = 0;
      this.#quietUntilMs = claim.busyUntilMs ?? now + timing.renewAheadMs;
    } catch (error) {
      // What is already held stays valid (a demander waits for it), but nothing longer.
      this.#quietUntilMs = fallBack(this.#options, 'claiming the whole rate budget', error);
    }
  }
}
