import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../../../lib/errors.ts";
import { writeFileAtomic } from "../../../lib/files/fs-sync.ts";
import type { Log } from "../../../lib/log.ts";
import type { Clock } from "../../../lib/time.ts";
import { checkFileInProcess } from "../../inspect/process-task.ts";
import { BackgroundYieldedError } from "../../operations/background.ts";
import { BASE_FILE, type Chain } from "../files/chain.ts";
import type { MergeBackground } from "./merges.ts";

/**
 * The full check of each chain's base (`checkRestorable`: the trust rule, `integrity_check`),
 * made once in the background beside a serving app and recorded in the chain's folder, bound to
 * the base's state: a restore to a moment of that chain then checks in full only what the chain
 * wrote since (`checkMomentInWorkers`) — seconds where the whole check of a large database takes
 * ten times as long. Only the app's own chains here count; a place's copy of a chain never
 * carries this record (a restore from there checks everything).
 */

export const BASE_CHECK_FILE = "base-checked.json";

/** A check still running after this long is given up (a file that stopped answering), and tried again later. */
const CHECK_LIMIT_MS = 2 * 60 * 60_000;
/** A check that could not be made runs again after this long (a full disk, a process that could not start). */
const RETRY_MS = 10 * 60_000;
/** A base the check found unhealthy is checked again after this long (what it found may have been a read that failed). */
const FAILED_RETRY_MS = 6 * 60 * 60_000;
/**
 * A base is checked no sooner than this after its chain started: the app's start (the startup
 * backup, its checks, the base's copy) goes first, and a server that runs a moment does not pay
 * for a check it would never use.
 */
export const BASE_CHECK_DELAY_MS = 60_000;

interface BaseCheckRecord {
  format: 1;
  /** The state (`StateHash`) of the base that passed. */
  state: string;
  checkedAt: string;
}

/** Whether `chain`'s base passed the full check, as recorded for its state. */
export function baseChecked(chain: Chain): boolean {
  try {
    const record = JSON.parse(readFileSync(join(chain.dir, BASE_CHECK_FILE), "utf8")) as BaseCheckRecord;
    return record?.format === 1 && record.state === chain.info.state && typeof record.checkedAt === "string";
  } catch {
    return false;
  }
}

/** Records that `chain`'s base passed the full check at `at`. */
export async function recordBaseChecked(chain: Chain, at: Date): Promise<void> {
  const record: BaseCheckRecord = { format: 1, state: chain.info.state, checkedAt: at.toISOString() };
  await writeFileAtomic(join(chain.dir, BASE_CHECK_FILE), `${JSON.stringify(record)}\n`, {
    wait: { timeoutMs: 0 },
  });
}

/**
 * The base checks of a capture: one at a time, each a piece of the app's background work (a
 * process killed the moment someone starts an operation, made again at the next poll), recorded
 * only when it passed. A base that fails is logged once and checked again only after
 * `FAILED_RETRY_MS` (its chain's moments get the complete check meanwhile); a check that could not
 * be made is tried again after `RETRY_MS`.
 */
export class BaseChecks {
  readonly #o: { background: MergeBackground | undefined; log: Log; clock: Clock };
  #running: Promise<void> | null = null;
  #stopping = new AbortController();
  /** Chains not to check before the time given (ms): a base that failed, a check that could not run. */
  readonly #notBefore = new Map<string, number>();
  /** Chains whose base's check is recorded. */
  readonly #checked = new Set<string>();
  /** Chains whose base was said in the log to fail its check (once each). */
  readonly #warned = new Set<string>();

  constructor(options: { background: MergeBackground | undefined; log: Log; clock: Clock }) {
    this.#o = options;
  }

  /**
   * Starts the check of `chain`'s base when it has none recorded, none runs, there is background
   * work to run it in, and `BASE_CHECK_DELAY_MS` have passed since the chain started.
   */
  start(chain: Chain): Promise<void> {
    const { background } = this.#o;
    if (!background || this.#running) return this.#running ?? Promise.resolve();
    const { id } = chain.info;
    const notBefore = this.#notBefore.get(id) ?? chain.info.createdAt + BASE_CHECK_DELAY_MS;
    if (this.#checked.has(id) || notBefore > this.#o.clock().getTime()) return Promise.resolve();
    // Read once per chain, not at every poll.
    if (baseChecked(chain)) {
      this.#checked.add(id);
      return Promise.resolve();
    }
    this.#running = this.#check(background, chain).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** The capture stops: a check under way is given up (made again when it starts again). */
  stop(): void {
    this.#stopping.abort(new Error("continuous protection stopped"));
    this.#stopping = new AbortController();
  }

  async #check(background: MergeBackground, chain: Chain): Promise<void> {
    const stopping = this.#stopping.signal;
    const { id } = chain.info;
    try {
      await background.run(
        { kind: "base-check", name: id },
        (signal) =>
          checkFileInProcess(
            join(chain.dir, BASE_FILE),
            AbortSignal.any([signal, stopping, AbortSignal.timeout(CHECK_LIMIT_MS)]),
          ),
        async (result, signal) => {
          if (signal.aborted || stopping.aborted) return false;
          if (result.ok) {
            await recordBaseChecked(chain, this.#o.clock());
            this.#checked.add(id);
          } else {
            this.#notBefore.set(id, this.#o.clock().getTime() + FAILED_RETRY_MS);
            if (!this.#warned.has(id))
              this.#o.log.warning(
                `Continuous protection: the base of chain ${id} fails its full check (${result.reason}); a restore to its moments checks all of each`,
              );
            this.#warned.add(id);
          }
          return true;
        },
      );
    } catch (error) {
      // Made way, stopped, or its chain removed meanwhile: nothing to say.
      if (error instanceof BackgroundYieldedError || stopping.aborted || !existsSync(chain.dir)) return;
      this.#notBefore.set(id, this.#o.clock().getTime() + RETRY_MS);
      this.#o.log.warning(
        `Continuous protection: the check of the base of chain ${id} could not be made, it is tried again later: ${describeError(error)}`,
      );
    }
  }
}
