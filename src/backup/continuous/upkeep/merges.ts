import { describeError } from "../../../lib/errors.ts";
import type { Log } from "../../../lib/log.ts";
import { type BackgroundWork, BackgroundYieldedError } from "../../operations/background.ts";
import type { Chain } from "../files/chain.ts";
import type { ChangeFileOut } from "../files/change-file-out.ts";
import { type MergePlan, placeMerge, planMerge, writeMerge } from "./maintenance.ts";

/** Where the merges run: the app's background work, which makes way for every operation someone starts. */
export type MergeBackground = Pick<BackgroundWork, "run">;

/**
 * Continuous protection's merges, one at a time, each written between turns of the event loop and
 * — beside a serving app — as a piece of its background work (`BackgroundWork`): a backup, restore,
 * drill or upload someone starts stops it at once, the merged file written so far is removed, the
 * chain stays as it was (every file still there, under its name), and the next poll merges again.
 * A merge is put in place (a rename, then the files it covers removed) only when whole.
 */
export interface MergesOptions {
  fanIn: number;
  log: Log;
  background?: MergeBackground | undefined;
  onChange?: (() => void) | undefined;
}

export class Merges {
  readonly #o: MergesOptions;
  #running: Promise<void> | null = null;
  #stopping = new AbortController();

  constructor(options: MergesOptions) {
    this.#o = options;
  }

  /** Starts the merge due in `chain`, unless one runs; resolves when it has ended (placed, made way, or failed: logged). */
  start(chain: Chain): Promise<void> {
    if (this.#running) return this.#running;
    const plan = planMerge(chain, this.#o.fanIn);
    if (!plan) return Promise.resolve();
    const stopping = this.#stopping.signal;
    this.#running = this.#merge(chain, plan)
      .catch((error) => {
        // `stop()` replaces the controller: the merge's own signal says whether it stopped this one.
        if (error instanceof BackgroundYieldedError || stopping.aborted) return;
        this.#o.log.warning(
          `Continuous protection: a merge failed, it is tried again: ${describeError(error)}`,
        );
      })
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  /** The capture stops: a merge under way is given up (made again when it starts again). */
  stop(): void {
    this.#stopping.abort(new Error("continuous protection stopped"));
    this.#stopping = new AbortController();
  }

  async #merge(chain: Chain, plan: MergePlan): Promise<void> {
    const stopping = this.#stopping.signal;
    let written: ChangeFileOut | null = null;
    const work = async (signal: AbortSignal) => {
      const either = AbortSignal.any([signal, stopping]);
      const out = await writeMerge(chain, plan, either);
      // Stopped just as it was sealed: nobody will place it.
      if (either.aborted) {
        out.abandon();
        throw either.reason;
      }
      written = out;
      return out;
    };
    const place = async (out: ChangeFileOut, signal: AbortSignal) => {
      written = null;
      if (signal.aborted || stopping.aborted) {
        out.abandon();
        return false;
      }
      if (placeMerge(chain, plan, out)) this.#o.onChange?.();
      return true;
    };
    try {
      const { background } = this.#o;
      if (background) await background.run({ kind: "merge", name: chain.info.id }, work, place);
      else await place(await work(stopping), stopping);
    } finally {
      // Made way after it was written whole: what it wrote is removed, the chain as it was.
      (written as ChangeFileOut | null)?.abandon();
    }
  }
}
