import { describeError } from "../lib/errors.ts";
import { realTimers } from "../lib/timers.ts";
import { type CopyProgress, type RunResult, syncTarget } from "./copies/sync.ts";
import type { PlaceKeys } from "./crypto/place-keys.ts";
import { asOffsiteError, OffsiteBusyError, OffsiteError, OffsiteNotConfiguredError } from "./errors.ts";
import type { OffsiteTarget } from "./places/target.ts";
import type { OffsiteOptions, OffsiteServiceDeps, Place } from "./places/targets.ts";
import { BackgroundRuns, takeRunLock } from "./runs.ts";
import type { RunLedger } from "./status.ts";

/** A run's end that is no failure of a place: the app is closing. */
const STOPPING = "stopping";
/** A run's end that is no failure of a place either: it made way for an operation someone started. */
const MAKING_WAY = "making way";

/** Whether a run was given up for a reason that is no failure of a place (nothing is recorded of it). */
function givenUp(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason === STOPPING || signal.reason === MAKING_WAY);
}

/** How often a run waiting for another one tries the off-site lock again. */
const RETRY_LOCK_MS = 500;

/** What a run needs of the service: its settings and places as they are now, and what it records. */
export interface PlaceRunsDeps {
  deps: OffsiteServiceDeps;
  ledger: RunLedger;
  keys: PlaceKeys;
  options: () => OffsiteOptions;
  places: () => Place[];
  noteForeign: (target: OffsiteTarget, foreign: string[]) => void;
}

/**
 * The runs that bring every place up to date (`syncTarget`), one at a time across processes: in the
 * background after each backup once started, or now for the command line. A failed run is logged,
 * counted and tried again after 1, 2, 4 … 60 minutes; a run that passes its deadline is given up
 * and counts as failed.
 */
export class PlaceRuns {
  readonly #d: PlaceRunsDeps;
  readonly #runs: BackgroundRuns;
  #abort: AbortController | null = null;
  #progress: CopyProgress | null = null;
  /** The run going on now is one in the background (not one someone asked for). */
  #inBackground = false;
  /** Resolves once the operation someone started (a backup, a restore) has ended. */
  #until: Promise<void> = Promise.resolve();

  constructor(d: PlaceRunsDeps) {
    this.#d = d;
    this.#runs = new BackgroundRuns(() => this.#runInBackground(), {
      timers: d.deps.timers ?? realTimers,
      clock: d.deps.clock,
    });
  }

  get #configured(): boolean {
    return this.#d.places().length > 0;
  }

  /** Copies from now on after each backup, and once now. */
  start(): void {
    this.#runs.start();
  }

  /** No more runs; the one going on is given up (what it copied so far stays, half a copy never does). */
  async stop(): Promise<void> {
    this.#abort?.abort(STOPPING);
    await this.#runs.stop();
  }

  /** Once started, a run follows in the background. */
  request(): void {
    this.#runs.request();
  }

  /** Resolves once no run is going on. */
  idle(): Promise<void> {
    return this.#runs.idle();
  }

  get running(): boolean {
    return this.#runs.running;
  }

  /** When the retry of a failed run is due, or null. */
  get dueAt(): string | null {
    return this.#runs.dueAt;
  }

  /**
   * An operation someone started (a backup, restore, drill, upload) goes first: a run in the
   * background going on now is given up (a copy on its way leaves nothing listed) and runs again
   * once `ended` resolves; none starts before.
   */
  makeWay(ended: Promise<void>): void {
    this.#until = ended;
    if (!this.#inBackground || !this.#abort) return;
    this.#abort.abort(MAKING_WAY);
    void ended.then(() => this.#runs.request());
  }

  /** The copy on its way now, if any. */
  progress(): CopyProgress | null {
    return this.#progress;
  }

  /** A run in the background; another process copying now only postpones it. */
  async #runInBackground(): Promise<void> {
    // A shop that never chose off-site copies hears nothing of them: no line at each start or backup.
    if (!this.#configured) return;
    await this.#until;
    this.#inBackground = true;
    try {
      await this.syncNow();
    } catch (error) {
      if (error instanceof OffsiteNotConfiguredError) return; // Turned off meanwhile.
      this.#d.deps.log.info(`Off-site copy postponed: ${describeError(error)}`);
      this.#runs.later(1);
    } finally {
      this.#inBackground = false;
    }
  }

  /** `OffsiteService.syncAfterOthers`. */
  async syncAfterOthers(waiting: () => void): Promise<RunResult> {
    const timers = this.#d.deps.timers ?? realTimers;
    const tries = Math.ceil((this.#d.options().runDeadlineMs + 60_000) / RETRY_LOCK_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.syncNow();
      } catch (error) {
        if (!(error instanceof OffsiteBusyError) || attempt >= tries) throw error;
        if (attempt === 1) waiting();
        await new Promise<void>((resolve) => timers.set(resolve, RETRY_LOCK_MS));
      }
    }
  }

  /** `OffsiteService.syncNow`. */
  async syncNow(): Promise<RunResult> {
    if (!this.#configured) throw new OffsiteNotConfiguredError();
    const { deps, ledger } = this.#d;
    const options = this.#d.options();
    const lock = takeRunLock(deps.lockPath);
    const abort = new AbortController();
    this.#abort = abort;
    const minutes = Math.round(options.runDeadlineMs / 60_000);
    const timers = deps.timers ?? realTimers;
    const deadline = timers.set(
      () =>
        abort.abort(
          new OffsiteError(
            "offsite.timeout",
            `the off-site run took longer than ${minutes} minutes and was given up`,
            "it is tried again later; a very slow connection needs a longer offsite_run_minutes",
          ),
        ),
      options.runDeadlineMs,
    );
    try {
      const results: RunResult = [];
      for (const place of this.#d.places()) {
        if (!givenUp(abort.signal)) results.push(await this.#syncOne(place, abort.signal));
      }
      const failed = results.find((r) => r.error !== null);
      if (!givenUp(abort.signal)) {
        const delay = ledger.retryMinutes();
        ledger.ended(deps.clock().toISOString(), failed?.error ? { ...failed, error: failed.error } : null);
        if (failed) this.#runs.later(delay);
      }
      return results;
    } finally {
      timers.clear(deadline);
      this.#abort = null;
      this.#progress = null;
      lock.release();
    }
  }

  async #syncOne(place: Place, signal: AbortSignal): Promise<RunResult[number]> {
    const { deps, ledger } = this.#d;
    const { clock, log } = deps;
    const { target } = place;
    try {
      signal.throwIfAborted();
      const key = await this.#d.keys.forWriting(place, signal);
      const report = await syncTarget({
        target,
        ledger: place.ledger,
        key,
        local: deps.backups.list(),
        pathOf: (name) => deps.backups.pathOf(name),
        tempDir: deps.backups.backupsDir,
        ...(deps.auditPath ? { auditPath: deps.auditPath } : {}),
        policy: this.#d.options().policy,
        ...(deps.backups.retentionFacts ? { facts: deps.backups.retentionFacts() } : {}),
        clock,
        log,
        signal,
        onProgress: (progress) => {
          this.#progress = progress;
        },
      });
      ledger.succeeded(target, clock().toISOString(), report.copies, report.copied.length);
      this.#d.noteForeign(target, report.foreign);
      return { target, report, error: null };
    } catch (error) {
      if (givenUp(signal)) return { target, report: null, error: null };
      const failure = asOffsiteError(signal.aborted ? signal.reason : error);
      ledger.failed(target, clock().toISOString(), failure);
      if (failure.code === "offsite.no_passphrase") ledger.needsPassphrase(target, true);
      const minutes = ledger.retryMinutes();
      const again = this.#runs.started
        ? `; it is tried again in ${minutes} minute${minutes === 1 ? "" : "s"}`
        : "";
      log.error(`Off-site copy to ${target.label} failed: ${failure.message}${again}`);
      return { target, report: null, error: failure };
    }
  }
}
