import { Cron } from "croner";
import type { Settings } from "../config/schema.ts";
import { describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, systemClock } from "../lib/time.ts";

/** Timers, passed in so tests can fire them without waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type Cadence = { hours: number } | { cron: string };

export function cadenceOf(settings: Settings): Cadence {
  return settings.schedule ? { cron: settings.schedule } : { hours: settings.interval_hours };
}

export interface SchedulerStatus {
  active: boolean;
  paused: boolean;
  /** "every 6 hours" or 'on the schedule "0 30 *\/6 * * *"'. */
  cadence: string;
  nextRun: string | null;
  running: boolean;
  lastRun: { at: string; ok: boolean; message: string } | null;
}

/**
 * The longest the scheduler sleeps before it looks at the clock again: a PC that slept through
 * a backup time takes the backup soon after it wakes, and long intervals need no huge timers.
 */
const MAX_WAIT_MS = 60_000;

export function describeCadence(cadence: Cadence): string {
  if ("cron" in cadence) return `on the schedule "${cadence.cron}"`;
  const { hours } = cadence;
  if (hours === 1) return "every hour";
  if (Number.isInteger(hours)) return `every ${hours} hours`;
  const minutes = Math.round(hours * 60);
  return minutes === 1 ? "every minute" : `every ${minutes} minutes`;
}

/**
 * Runs the automatic backup every N hours (counted from the start, like the original
 * scheduler) or on a cron schedule (croner computes the times). Never two runs at once: a run
 * that falls due while one is still going is skipped and logged.
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
    this.#log.info("Automatic backup scheduler stopped");
  }

  pause(by?: string | null): void {
    if (!this.#active || this.#paused) return;
    this.#paused = true;
    this.#disarm();
    this.#next = null;
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
    this.#log.info(`Automatic backup scheduler changed (${describeCadence(cadence)})`);
  }

  status(): SchedulerStatus {
    return {
      active: this.#active && !this.#paused,
      paused: this.#paused,
      cadence: describeCadence(this.#cadence),
      nextRun: this.#next?.toISOString() ?? null,
      running: this.#running,
      lastRun: this.#lastRun,
    };
  }

  #nextAfter(from: Date): Date {
    const cadence = this.#cadence;
    if ("cron" in cadence) {
      const next = new Cron(cadence.cron, { paused: true }).nextRun(from);
      if (!next) throw new Error(`the schedule "${cadence.cron}" has no next run`);
      return next;
    }
    return new Date(from.getTime() + cadence.hours * 3600_000);
  }

  #scheduleFrom(from: Date): void {
    try {
      this.#next = this.#nextAfter(from);
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

  #arm(): void {
    this.#disarm();
    if (!this.#next) return;
    const wait = Math.max(0, Math.min(MAX_WAIT_MS, this.#next.getTime() - this.#clock().getTime()));
    this.#timer = this.#timers.set(() => this.#onTimer(), wait);
  }

  #onTimer(): void {
    this.#timer = null;
    if (!this.#active || this.#paused || !this.#next) return;
    const now = this.#clock();
    if (now.getTime() < this.#next.getTime()) {
      this.#arm();
      return;
    }
    // Plan the following run from the time this one was due (or from now, after a long sleep).
    const due = this.#next;
    const following = this.#nextAfter(now.getTime() - due.getTime() > 60_000 ? now : due);
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
    } catch (error) {
      // The engine has logged the failure; the status shows it until the next run.
      this.#lastRun = { at: at.toISOString(), ok: false, message: describeError(error) };
    } finally {
      this.#running = false;
    }
  }
}
