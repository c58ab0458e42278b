import type { Log } from "../../lib/log.ts";
import { realTimers, type Timers } from "../../lib/timers.ts";

/** Waits before the 2nd, 3rd … try of a notification. */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];

/** One notification: where it goes (as the log may show it), what it is, and one try at it. */
export interface Delivery {
  to: string;
  label: string;
  /** Resolves to null once delivered, or to why not (words safe for the log). */
  attempt: () => Promise<string | null>;
}

/**
 * Notifications of one kind ("Alert notification", "Alert e-mail"), delivered one after the
 * other so the caller never waits: each is tried again after `retryDelaysMs` (5 s, 30 s, 2 min,
 * 10 min by default, timers passed in), then given up with a WARNING. Each try bounds its own wait.
 */
export class DeliveryQueue {
  readonly #what: string;
  readonly #log: Log;
  readonly #timers: Timers;
  readonly #delays: number[];
  #queue: Promise<void> = Promise.resolve();

  constructor(options: { what: string; log: Log; timers?: Timers; retryDelaysMs?: number[] }) {
    this.#what = options.what;
    this.#log = options.log;
    this.#timers = options.timers ?? realTimers;
    this.#delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  }

  push(delivery: Delivery): void {
    this.#queue = this.#queue.then(() => this.#deliver(delivery));
  }

  /** Resolves once every queued notification was delivered or given up. */
  settled(): Promise<void> {
    return this.#queue;
  }

  async #deliver({ to, label, attempt }: Delivery): Promise<void> {
    for (let tries = 0; ; tries++) {
      let problem: string | null;
      try {
        problem = await attempt();
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (problem === null) {
        this.#log.info(`${this.#what} sent to ${to}: ${label}`);
        return;
      }
      const delay = this.#delays[tries];
      if (delay === undefined) {
        this.#log.warning(`${this.#what} to ${to} failed (${problem}); ${label} was not delivered`);
        return;
      }
      this.#log.warning(
        `${this.#what} to ${to} failed (${problem}); it is tried again in ${Math.round(delay / 1000)} s`,
      );
      await new Promise<void>((resolve) => this.#timers.set(resolve, delay));
    }
  }
}
