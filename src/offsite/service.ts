import { join } from "node:path";
import { describeError } from "../lib/errors.ts";
import { realTimers } from "../lib/timers.ts";
import { type RemoteCopy, readContents } from "./copies.ts";
import { asOffsiteError, OffsiteNotConfiguredError } from "./errors.ts";
import { fetchCopy } from "./fetch.ts";
import { BackgroundRuns, takeRunLock } from "./runs.ts";
import { type CopyPlace, type OffsiteStatus, RunLedger } from "./status.ts";
import { type CopyProgress, type RunResult, syncTarget } from "./sync.ts";
import type { OffsiteTarget, TargetId } from "./target.ts";
import {
  type OffsiteOptions,
  type OffsiteServiceDeps,
  type TargetTest,
  targetsOf,
  testTarget,
} from "./targets.ts";

/**
 * Off-site copies: once `start`ed, after each backup every target is brought up to date in the
 * background (`syncTarget`), one run at a time across processes; a failed run is logged, counted
 * and tried again after 1, 2, 4 … 60 minutes. A local backup never waits for a copy. Also lists,
 * tests and downloads copies for the command line and for restores that fall back to them.
 */
export class OffsiteService {
  readonly #deps: OffsiteServiceDeps;
  readonly #runs: BackgroundRuns;
  readonly #ledger = new RunLedger();
  #options!: OffsiteOptions;
  #targets: OffsiteTarget[] = [];
  #abort: AbortController | null = null;
  #progress: CopyProgress | null = null;

  constructor(options: OffsiteOptions, deps: OffsiteServiceDeps) {
    this.#deps = deps;
    this.#runs = new BackgroundRuns(() => this.#runInBackground(), {
      timers: deps.timers ?? realTimers,
      clock: deps.clock,
    });
    this.configure(options);
  }

  /** Applies new settings; what is known of a target stays while it is the same place. */
  configure(options: OffsiteOptions): void {
    this.#options = options;
    this.#targets = targetsOf(options);
    this.#ledger.keepOnly(this.#targets);
  }

  get configured(): boolean {
    return this.#targets.length > 0;
  }

  get encrypted(): boolean {
    return this.#options.passphrase !== null;
  }

  targets(): readonly OffsiteTarget[] {
    return this.#targets;
  }

  /** The target `id`; `OffsiteNotConfiguredError` when it is not set up. */
  target(id: TargetId): OffsiteTarget {
    const found = this.#targets.find((t) => t.id === id);
    if (found) return found;
    throw new OffsiteNotConfiguredError(
      id === "s3" ? "Off-site copies to S3 are not set up" : "No mirror folder is set up",
    );
  }

  /** Copies from now on after each backup, and once now. */
  start(): void {
    this.#runs.start();
  }

  /** No more runs; the one going on is given up (what it copied so far stays, half a copy never does). */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#runs.stop();
  }

  /** Called after each backup: once started, a run follows in the background. */
  backupMade(): void {
    if (this.configured) this.#runs.request();
  }

  /** Resolves once no run is going on. */
  idle(): Promise<void> {
    return this.#runs.idle();
  }

  /** A run in the background; another process copying now only postpones it. */
  async #runInBackground(): Promise<void> {
    try {
      await this.syncNow();
    } catch (error) {
      this.#deps.log.info(`Off-site copy postponed: ${describeError(error)}`);
      this.#runs.later(1);
    }
  }

  /**
   * One run now over every target, holding the off-site lock: `OffsiteBusyError` when another
   * process has it, `OffsiteNotConfiguredError` when there is no target. A target's failure is
   * its result (logged, counted, and, once started, tried again later), not an exception.
   */
  async syncNow(): Promise<RunResult> {
    if (!this.configured) throw new OffsiteNotConfiguredError();
    const lock = takeRunLock(this.#deps.lockPath);
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const results: RunResult = [];
      for (const target of this.#targets) {
        if (!abort.signal.aborted) results.push(await this.#syncOne(target, abort.signal));
      }
      const failed = results.find((r) => r.error !== null);
      if (!abort.signal.aborted) {
        const delay = this.#ledger.retryMinutes();
        this.#ledger.ended(
          this.#deps.clock().toISOString(),
          failed?.error ? { ...failed, error: failed.error } : null,
        );
        if (failed) this.#runs.later(delay);
      }
      return results;
    } finally {
      this.#abort = null;
      this.#progress = null;
      lock.release();
    }
  }

  async #syncOne(target: OffsiteTarget, signal: AbortSignal): Promise<RunResult[number]> {
    const { clock, log } = this.#deps;
    try {
      const report = await syncTarget({
        target,
        local: this.#deps.backups.list(),
        pathOf: (name) => join(this.#deps.backups.backupsDir, name),
        policy: this.#options.policy,
        passphrase: this.#options.passphrase,
        clock,
        log,
        signal,
        onProgress: (progress) => {
          this.#progress = progress;
        },
      });
      this.#ledger.succeeded(target, clock().toISOString(), report.copies, report.copied.length);
      return { target, report, error: null };
    } catch (error) {
      if (signal.aborted) return { target, report: null, error: null };
      const failure = asOffsiteError(error);
      this.#ledger.failed(target, clock().toISOString(), failure);
      const minutes = this.#ledger.retryMinutes();
      const again = this.#runs.started
        ? `; it is tried again in ${minutes} minute${minutes === 1 ? "" : "s"}`
        : "";
      log.error(`Off-site copy to ${target.label} failed: ${failure.message}${again}`);
      return { target, report: null, error: failure };
    }
  }

  /** The copy on its way now, if any. */
  progress(): CopyProgress | null {
    return this.#progress;
  }

  /** What the pages and `GET /api/status` show; null when off-site copies are not set up. */
  status(): OffsiteStatus | null {
    if (!this.configured) return null;
    return this.#ledger.status(this.#targets, {
      encrypted: this.encrypted,
      running: this.#runs.running,
      retryAt: this.#runs.dueAt,
    });
  }

  /** Where each backup has copies, as last seen (no request is made). */
  places(): Map<string, CopyPlace[]> {
    return this.#ledger.places(this.#targets);
  }

  /** Every backup with an off-site copy, once, as last seen (no request is made); newest first. */
  knownCopies(): RemoteCopy[] {
    return this.#ledger.copies(this.#targets);
  }

  /** The copies in target `id`, looked up now. */
  async contents(id: TargetId): Promise<RemoteCopy[]> {
    const target = this.target(id);
    const { copies } = await readContents(target);
    this.#ledger.saw(target, copies);
    return copies;
  }

  /** Tests every target (`testTarget`); `OffsiteNotConfiguredError` when there is none. */
  async test(): Promise<TargetTest[]> {
    if (!this.configured) throw new OffsiteNotConfiguredError();
    return Promise.all(this.#targets.map((t) => testTarget(t)));
  }

  /**
   * Downloads `copy` from target `id` to a hidden temporary file in the backup folder and returns
   * its path (`fetchCopy`: decrypted, its size and SHA-256 checked); the restore moves it in.
   */
  fetch(id: TargetId, copy: RemoteCopy, onProgress?: (bytes: number) => void): Promise<string> {
    return fetchCopy({
      target: this.target(id),
      copy,
      destination: join(this.#deps.backups.backupsDir, copy.name),
      passphrase: this.#options.passphrase,
      ...(onProgress ? { onProgress } : {}),
    });
  }
}
