/**
 * A demander's side of the budget on demand (on-demand-budget.ts): the tagger, the sweep or the
 * CLI announces that it needs its static share, waits until the holder's whole-budget lease has
 * lapsed and one strict window more has passed, then paces at its static share.
 *
 * It sends only while its announced demand outlives the window by the guard: the holder may claim
 * the whole budget again as soon as the demand runs out, and by then every request this demander
 * sent must have left the tenant's window. Between requests the announcement is renewed once it
 * gets shorter than that, one write every `demandMs - windowMs - guardMs - 1 s` of activity.
 *
 * When the announcement fails, the demander still waits out the longest lease the holder could
 * hold and one window before it paces at its static share: in an outage of the table the holder
 * cannot renew either, so the static shares alone are in force by then.
 */
import type { BudgetItem } from './budget-item.ts';
import { type BudgetParticipant, fallBack, type RateBudgetGate } from './on-demand-budget.ts';

/** The demander's settings. */
export interface DemandShareOptions extends BudgetParticipant {
  readonly item: BudgetItem;
}

/** Waits for the holder's hand-over, then paces at the static share. */
export class DemandShare implements RateBudgetGate {
  readonly #options: DemandShareOptions;
  /** Until when this demander's announcement keeps the holder from claiming (its own clock). */
  #demandUntilMs = 0;
  /** Sending may start at this time: the holder's lease plus the window. */
  #clearAtMs = 0;
  /** The coordination failed: static share until this time. */
  #fallbackUntilMs = 0;

  constructor(options: DemandShareOptions) {
    this.#options = options;
  }

  async rate(): Promise<number> {
    const { clock, timing, staticRps } = this.#options;
    // The shortest demand left that still covers a request sent now, with a second's margin so a
    // renewal is not needed before every request.
    const needed = timing.windowMs + timing.guardMs + 1_000;
    for (;;) {
      const now = clock.now();
      if (now < this.#fallbackUntilMs && now >= this.#clearAtMs) return staticRps;
      if (now < this.#fallbackUntilMs) await clock.sleep(this.#clearAtMs - now);
      else if (this.#demandUntilMs - now < needed) await this.#announce(now);
      else if (now < this.#clearAtMs) await clock.sleep(this.#clearAtMs - now);
      else return staticRps;
    }
  }

  async #announce(now: number): Promise<void> {
    const { item, timing } = this.#options;
    const until = now + timing.demandMs;
    try {
      const { leaseUntilMs } = await item.announceDemand(until);
      this.#demandUntilMs = until;
      this.#clearAtMs = Math.max(this.#clearAtMs, leaseUntilMs + timing.windowMs + timing.guardMs);
    } catch (error) {
      this.#fallbackUntilMs = fallBack(this.#options, 'announcing demand for the rate budget', error);
      // The holder may have been granted a lease just before: one that cannot be renewed either
      // (the table is down for both) lapses within leaseMs, and its requests leave the window after.
      this.#clearAtMs = Math.max(this.#clearAtMs, now + timing.leaseMs + timing.windowMs + timing.guardMs);
    }
  }
}
