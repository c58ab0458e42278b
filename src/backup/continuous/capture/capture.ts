import { statSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../../../lib/errors.ts";
import { type Clock, systemClock } from "../../../lib/time.ts";
import { releaseDatabaseFile } from "../base/database-file.ts";
import { BASE_FILE, type Chain, chainEnd, listChains } from "../files/chain.ts";
import { ChainUpkeep } from "../upkeep/upkeep.ts";
import type { CaptureOptions, ContinuousStatus } from "./capture-options.ts";
import type { Current } from "./chain-start.ts";
import { ChainWriter } from "./chain-writer.ts";
import { establishChain, START_BARRIER_WAIT_MS } from "./establish.ts";
import { LogHold } from "./log-hold.ts";

/**
 * Continuous protection: every committed transaction's pages, read from the write-ahead log
 * before any checkpoint can move them into the database file, written within a second as change
 * files that carry a chain's base forward (`chain.ts`). How it stays complete:
 *
 * - A read transaction (the pin, on a connection of its own) is held open at all times, so no
 *   connection of any process can checkpoint past what was read or start the log again; the app
 *   checkpoints itself (`checkpoint`), under a write barrier (`BEGIN IMMEDIATE` on a second
 *   connection), only after reading everything committed, and pins again before writers go on.
 *   The log then starts again at most once, with salt-1 one more: anything else is a break
 *   (`log-hold.ts`).
 * - Each transaction's record carries the state (`StateHash`) it produces, and each file the
 *   state it starts from (`chain-writer.ts`); a start continues a chain only when the database,
 *   read as it was at the chain's last position, has the chain's last state (`chain-start.ts`).
 *   Otherwise, or when the log broke, a new chain starts from a new base, and `status().problem`
 *   says why the last one ended.
 *
 * Transactions another process commits (the command line beside the serving app) go through the
 * same log and are captured the same way. The times recorded are when the capture read each
 * transaction: within `pollMs` of its commit.
 */

const BARRIER_WAIT_MS = 100;
const DAY_MS = 86_400_000;
const RETRY_MS = 60_000;

export class ContinuousCapture {
  readonly #o: Required<Omit<CaptureOptions, "clock" | "onChange" | "background">> &
    Pick<CaptureOptions, "onChange"> & { clock: Clock };
  readonly #hold = new LogHold();
  readonly #writer: ChainWriter;
  readonly #upkeep: ChainUpkeep;
  #current: Current | null = null;
  #running = false;
  #establishing: Promise<void> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastCheckpoint = 0;
  #retryAt = 0;
  #problem: string | null = null;
  /** A restore put another database in place: the next chain starts for that reason, not as a loss. */
  #replaced = false;
  /** Since when nothing has been captured although the capture runs (a chain broke, a start failed). */
  #downSince: number | null = null;

  constructor(options: CaptureOptions) {
    this.#o = {
      clock: systemClock,
      pollMs: 250,
      checkpointPages: 1000,
      checkpointMs: 30_000,
      chainBytes: 64 << 20,
      chainMs: DAY_MS,
      mergeFanIn: 8,
      readBytes: 64 << 20,
      ...options,
    };
    this.#writer = new ChainWriter(this.#o);
    this.#upkeep = new ChainUpkeep({
      ...this.#o,
      background: options.background,
      onChange: options.onChange,
    });
    // The pin would keep the close's checkpoint from finishing: the capture always stops first.
    options.database.beforeClose(() => this.stop());
  }

  get #walPath(): string {
    return `${this.#o.database.path}-wal`;
  }

  get active(): boolean {
    return this.#running && this.#current !== null;
  }

  /** Starts capturing: continues the last chain when it can be proven to fit, else starts a new one. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#o.database.pauseCheckpoints();
    try {
      this.#hold.open(this.#o.database.path);
      await this.#establish("start");
    } catch (error) {
      this.#o.log.error(`Continuous protection could not start: ${describeError(error)}`);
      this.#problem = `it could not start: ${describeError(error)}`;
      this.#retryAt = this.#o.clock().getTime() + RETRY_MS;
      this.#downSince ??= this.#o.clock().getTime();
    }
    if (!this.#running) return;
    this.#timer = setInterval(() => void this.tick(), this.#o.pollMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Reads what was committed last, closes its connections and lets SQLite checkpoint as before. */
  stop(): void {
    if (!this.#running) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#upkeep.stop();
    try {
      if (this.#current) this.#hold.withBarrier(START_BARRIER_WAIT_MS, () => this.#read({ all: true }));
    } catch (error) {
      this.#o.log.warning(
        `Continuous protection: the last changes were not read at stop: ${describeError(error)}`,
      );
    }
    this.#running = false;
    this.#current = null;
    this.#downSince = null;
    this.#hold.close();
    releaseDatabaseFile(this.#o.database.path);
    this.#o.database.resumeCheckpoints();
  }

  /** A restore replaced the database: the next start begins a new chain, as expected, not as a loss. */
  replaced(): void {
    this.#replaced = true;
  }

  /** Resolves once a start (or a new chain) under way is done. */
  async settled(): Promise<void> {
    await this.#establishing;
  }

  /**
   * The restorable window (the chains of the database open now, or of every database when none
   * was opened: the command line), and how current the capture is. `listing`: the chains when
   * the caller has read them already (one reading of the folder per request).
   */
  status(listing: Chain[] = listChains(this.#o.backupsDir)): ContinuousStatus {
    const identity = this.#o.database.identity;
    const chains = listing.filter((c) => !identity || c.info.databaseId === identity);
    const first = chains[0];
    const last = chains.at(-1);
    const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
    const lastChange = last?.files.length ? chainEnd(last).at : null;
    const capturedAt = Math.max(this.#writer.lastCapturedAt ?? 0, lastChange ?? 0) || null;
    return {
      active: this.active,
      from: iso(first?.info.createdAt),
      to: last ? iso(Math.max(chainEnd(last).at, capturedAt ?? 0)) : null,
      lastCapturedAt: iso(capturedAt),
      chainStartedAt: iso(this.#current?.chain.info.createdAt),
      problem: this.#problem,
    };
  }

  /**
   * What the timer does every `pollMs`: read what was committed, checkpoint when due, merge
   * change files (in the background: `Merges`), start a new chain when due (or after a break);
   * resolves once a new chain or a merge that it started is in place (or the merge made way).
   */
  tick(): Promise<void> {
    if (!this.#running || this.#establishing) return Promise.resolve();
    const now = this.#o.clock().getTime();
    try {
      if (!this.#current) return now >= this.#retryAt ? this.#establish("retry") : Promise.resolve();
      this.poll();
      if (
        this.#writer.capturedPages >= this.#o.checkpointPages ||
        (this.#writer.capturedPages > 0 && now - this.#lastCheckpoint >= this.#o.checkpointMs)
      )
        this.checkpoint();
      const merging = this.#upkeep.poll(this.#current?.chain ?? null, now);
      const current = this.#current;
      if (
        current &&
        (now - current.chain.info.createdAt >= this.#o.chainMs ||
          current.changeBytes >=
            Math.max(this.#o.chainBytes, statSync(join(current.chain.dir, BASE_FILE)).size))
      )
        return Promise.all([this.#establish("rotate"), merging]).then(() => {});
      return merging;
    } catch (error) {
      this.#break(`capturing failed: ${describeError(error)}`, { pause: true });
    }
    return Promise.resolve();
  }

  /** For `continuous_lagging`: since when nothing is captured although it should be, and why; from memory. */
  health(): { downSince: string | null; problem: string | null } {
    return {
      downSince: this.#downSince === null ? null : new Date(this.#downSince).toISOString(),
      problem: this.#problem,
    };
  }

  /**
   * The chain cannot go on: a new one starts from a new base at the next tick, or after
   * `RETRY_MS` when writing failed (a full disk is not cured by trying again at once).
   */
  #break(why: string, options: { pause?: boolean } = {}): void {
    this.#o.log.error(`Continuous protection: ${why}; a new chain will start from a new base`);
    this.#problem = why;
    this.#current = null;
    // Nothing is captured meanwhile: the log may be checkpointed so it does not grow.
    this.#hold.release();
    const now = this.#o.clock().getTime();
    this.#retryAt = options.pause ? now + RETRY_MS : now;
    this.#downSince ??= now;
  }

  /**
   * Reads the transactions committed since the last read and writes them as one change file.
   * Returns how many were captured. A log that broke ends the chain (`#break`).
   */
  poll(): number {
    // A new base is on its way: what is committed meanwhile is read into the new chain.
    if (this.#establishing) return 0;
    return this.#read() ?? 0;
  }

  /**
   * Reads what was committed since the last read into the chain (`ChainWriter.read`); with
   * `all`, on to the end of the log. Returns how many transactions were captured, or null when
   * the chain broke (`#break`).
   */
  #read(options: { all?: boolean } = {}): number | null {
    const current = this.#current;
    if (!current || !this.#hold.isOpen) return null;
    const read = this.#writer.read(current, this.#walPath, options.all ?? false);
    if (typeof read === "number") return read;
    this.#break(`continuity was lost (${read.broken})`);
    return null;
  }

  /**
   * Lets SQLite move the log into the database file (`LogHold.checkpoint`: everything committed
   * read first, under the write barrier); a writer holding the lock just now postpones it to a
   * later tick.
   */
  checkpoint(): void {
    if (!this.#current) return;
    const done = this.#hold.checkpoint(
      BARRIER_WAIT_MS,
      () => this.#read({ all: true }) !== null && this.#current !== null,
      (why) => this.#break(why, { pause: true }),
    );
    if (!done) return;
    this.#writer.capturedPages = 0;
    this.#lastCheckpoint = this.#o.clock().getTime();
  }

  /** Starts (or restarts) the chain: continue the last one when it fits, else a new base. */
  #establish(why: "start" | "retry" | "rotate"): Promise<void> {
    if (this.#establishing) return this.#establishing;
    this.#establishing = this.#doEstablish(why)
      .catch((error) => {
        if (this.#running)
          this.#break(`a new chain could not start: ${describeError(error)}`, { pause: true });
      })
      .finally(() => {
        this.#establishing = null;
      });
    return this.#establishing;
  }

  async #doEstablish(why: "start" | "retry" | "rotate"): Promise<void> {
    const done = await establishChain({
      why,
      backupsDir: this.#o.backupsDir,
      database: this.#o.database,
      walPath: this.#walPath,
      hold: this.#hold,
      writer: this.#writer,
      clock: this.#o.clock,
      replaced: this.#replaced,
      running: () => this.#running,
      endCurrent: () => {
        if (this.#current) this.#read({ all: true });
        if (this.#current) this.#hold.unpin();
      },
    });
    if (!done) return;
    this.#current = done.current;
    if (done.problem !== undefined) this.#problem = done.problem;
    this.#downSince = null;
    if (done.isNew) {
      this.#writer.capturedPages = 0;
      this.#o.onChange?.();
      this.#replaced = false;
    }
    this.#o.log.info(done.message);
    this.#upkeep.prune(done.at, this.#current?.chain ?? null);
  }
}
