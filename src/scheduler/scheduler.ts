import { describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, formatLogTime, systemClock } from "../lib/time.ts";
import { realTimers, type Timers } from "../lib/timers.ts";
import { type Cadence, describeCadence, nextRunAfter, retryTime } from "./cadence.ts";

export type { Timers } from "../lib/timers.ts";
export { type Cadence, describeCadence } from "./cadence.ts";

export interface SchedulerStatus {
  active: boolean;
  paused: boolean;
  /** "every 6 hours" or 'on the schedule "0 30 *\/6 * * *"'. */
  cadence: string;
  nextRun: string | null;
  /** When a failed (or busy) automatic backup is tried again, if before the next regular run. */
  retryAt: string | null;
  running: boolean;
  lastRun: { at: string; ok: boolean; message: string } | null;
}

/**
 * The longest the scheduler sleeps before it looks at the clock again: a PC that slept through
 * a backup time takes the backup soon after it wakes, and long intervals need no huge timers.
 */
const MAX_WAIT_MS = 60_000;

/**
 * Runs the automatic backup every N hours (counted from the start, like the original
 * scheduler) or on a cron schedule (croner computes the times). Never two runs at once: a run
 * that falls due while one is still going is skipped and logged. A run that fails (the disk
 * full, the engine busy with a manual backup) is tried again after 1, 2, 4, 8 … minutes, but
 * never at or past the next regular run, which starts the count again.
 */
export class BackupScheduler {
  readonly #run: () => Promise<string>;
  readonly #log: Log;
  readonly #clock: Clock;
  readonly #timers: Timers;
  #cadence: Cadence;
  #active = false;
  #paused = false;
  #running = false;
  #next: Date | null = null;
  #timer: unknown = null;
  #retryAt: Date | null = null;
  /** Failed runs in a row since the last regular one. */
  #failures = 0;
  #lastRun: SchedulerStatus["lastRun"] = null;

  constructor(options: {
    /** Takes one automatic backup and resolves with a line for the status ("backup_….db (12 MB)"). */
    run: () => Promise<string>;
    cadence: Cadence;
    log: Log;
    clock?: Clock;
    timers?: Timers;
  }) {
    this.#run = options.run;
    this.#cadence = options.cadence;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? realTimers;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#paused = false;
    this.#scheduleFrom(this.#clock());
    this.#log.info(`Automatic backup scheduler started (${describeCadence(this.#cadence)})`);
  }

  stop(): void {
    if (!this.#active) return;
    this.#disarm();
    this.#active = false;
    this.#next = null;
    this.#forgetRetry();
    this.#log.info("Automatic backup scheduler stopped");
  }

  pause(by?: string | null): void {
    if (!this.#active || this.#paused) return;
    this.#paused = true;
    this.#disarm();
    this.#next = null;
    this.#forgetRetry();
    this.#log.info(`Automatic backup scheduler paused${by ? ` by ${by}` : ""}`);
  }

  resume(by?: string | null): void {
    if (!this.#active || !this.#paused) return;
    this.#paused = false;
    this.#scheduleFrom(this.#clock());
    this.#log.info(
      `Automatic backup scheduler resumed${by ? ` by ${by}` : ""} (${describeCadence(this.#cadence)})`,
    );
  }

  /** Applies a new interval or schedule at once. */
  reschedule(cadence: Cadence): void {
    this.#cadence = cadence;
    if (!this.#active || this.#paused) return;
    this.#disarm();
    this.#scheduleFrom(this.#clock());
    if (this.#retryAt && (!this.#next || this.#retryAt >= this.#next)) this.#forgetRetry();
    this.#log.info(`Automatic backup scheduler changed (${describeCadence(cadence)})`);
  }

  status(): SchedulerStatus {
    return {
      active: this.#active && !this.#paused,
      paused: this.#paused,
      cadence: describeCadence(this.#cadence),
      nextRun: this.#next?.toISOString() ?? null,
      retryAt: this.#retryAt?.toISOString() ?? null,
      running: this.#running,
      lastRun: this.#lastRun,
    };
  }

  #scheduleFrom(from: Date): void {
    try {
      this.#next = nextRunAfter(this.#cadence, from);
    } catch (error) {
      this.#next = null;
      this.#log.error(`Automatic backup scheduler cannot plan the next run: ${describeError(error)}`);
      return;
    }
    this.#arm();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }

  #forgetRetry(): void {
    this.#retryAt = null;
    this.#failures = 0;
  }

  #arm(): void {
    this.#disarm();
    if (!this.#next) return;
    const due = Math.min(this.#next.getTime(), this.#retryAt?.getTime() ?? Number.POSITIVE_INFINITY);
    const wait = Math.max(0, Math.min(MAX_WAIT_MS, due - this.#clock().getTime()));
    this.#timer = this.#timers.set(() => this.#onTimer(), wait);
  }

  #onTimer(): void {
    this.#timer = null;
    if (!this.#active || this.#paused || !this.#next) return;
    const now = this.#clock();
    if (now.getTime() < this.#next.getTime()) {
      if (this.#retryAt && now.getTime() >= this.#retryAt.getTime()) {
        this.#retryAt = null;
        void this.#fire(now);
      }
      this.#arm();
      return;
    }
    // A regular run: a pending retry is replaced by it, and the back-off starts again.
    this.#forgetRetry();
    // Plan the following run from the time this one was due (or from now, after a long sleep).
    const due = this.#next;
    const following = nextRunAfter(this.#cadence, now.getTime() - due.getTime() > 60_000 ? now : due);
    this.#next = following;
    this.#arm();
    void this.#fire(now);
  }

  async #fire(at: Date): Promise<void> {
    if (this.#running) {
      this.#log.warning("Automatic backup skipped: the previous one is still running");
      return;
    }
    this.#running = true;
    try {
      const message = await this.#run();
      this.#lastRun = { at: at.toISOString(), ok: true, message };
      this.#failures = 0;
    } catch (error) {
      // The engine has logged the failure; the status shows it until the next run.
      this.#lastRun = { at: at.toISOString(), ok: false, message: describeError(error) };
      this.#planRetry();
    } finally {
      this.#running = false;
    }
  }

  /** After a failed run: the next try soon (see `retryTime`), unless the regular run comes first. */
  #planRetry(): void {
    if (!this.#active || this.#paused || !this.#next) return;
    this.#failures++;
    this.#retryAt = retryTime(this.#failures, this.#clock(), this.#next);
    if (!this.#retryAt) {
      this.#failures = 0;
      return;
    }
    const at = this.#retryAt;
    this.#arm();
    this.#log.info(`Automatic backup will be tried again at ${formatLogTime(at)}`);
  }
}
