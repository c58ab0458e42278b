import type { Log } from "../../../lib/log.ts";
import type { Clock } from "../../../lib/time.ts";
import type { Chain } from "../files/chain.ts";
import { BaseChecks } from "./base-check.ts";
import { pruneChains } from "./maintenance.ts";
import { type MergeBackground, Merges } from "./merges.ts";

/** How often old chains are looked for and removed. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * What keeps the chains in order beside the capture, at each of its polls: the merges of change
 * files (`Merges`), the full check of each base (`BaseChecks`), both as background work beside a
 * serving app, and old chains removed (`pruneChains`) every `PRUNE_EVERY_MS` and at each new chain.
 */
export class ChainUpkeep {
  readonly #o: { backupsDir: string; keepDays: () => number; log: Log };
  readonly #merges: Merges;
  readonly #baseChecks: BaseChecks;
  #lastPrune = 0;

  constructor(options: {
    backupsDir: string;
    keepDays: () => number;
    log: Log;
    clock: Clock;
    mergeFanIn: number;
    background: MergeBackground | undefined;
    onChange: (() => void) | undefined;
  }) {
    this.#o = options;
    const { log, background } = options;
    this.#merges = new Merges({ fanIn: options.mergeFanIn, log, background, onChange: options.onChange });
    this.#baseChecks = new BaseChecks({ background, log, clock: options.clock });
  }

  /**
   * A poll's upkeep of `current` (the chain being written, if any) at `now`: resolves once a merge
   * it started is in place (or made way); the base's check is not waited for (once per chain,
   * seconds to minutes of a process beside the app).
   */
  poll(current: Chain | null, now: number): Promise<void> {
    const merging = current ? this.#merges.start(current) : Promise.resolve();
    if (current) void this.#baseChecks.start(current);
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) this.prune(now, current);
    return merging;
  }

  /** Removes the chains past `keepDays` before `now`, never `current`. */
  prune(now: number, current: Chain | null): void {
    this.#lastPrune = now;
    pruneChains({
      backupsDir: this.#o.backupsDir,
      keepDays: this.#o.keepDays(),
      now,
      currentId: current?.info.id ?? null,
      log: this.#o.log,
    });
  }

  /** The capture stops: a merge or check under way is given up (made again when it starts again). */
  stop(): void {
    this.#merges.stop();
    this.#baseChecks.stop();
  }
}
