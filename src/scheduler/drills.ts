import { describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, systemClock } from "../lib/time.ts";
import { realTimers, type Timers } from "../lib/timers.ts";

const DAY_MS = 86_400_000;
/** The first look after the start: after the startup backup and the checks that follow it. */
const FIRST_LOOK_MS = 5 * 60_000;
/** How often a due drill that could not run (another backup or restore) is tried again; also the longest sleep. */
const LOOK_AGAIN_MS = 10 * 60_000;

export interface DrillScheduleStatus {
  /** Days between drills; 0: none on a schedule. */
  intervalDays: number;
  /** When the next scheduled drill is due (now or past: at the next look), or null when off. */
  nextDue: string | null;
  running: boolean;
}

/**
 * Runs a restore drill every `intervalDays` days, counted from the last drill (by anyone: the
 * button, the command line, the schedule), whose time `lastAt` reads where the result is kept;
 * with none yet, soon after the start. It looks at the clock at most every 10 minutes, so a
 * drill that falls due while the PC sleeps, or could not run because another backup or restore
 * did, runs soon after. Clock and timers are passed in: tests move them.
 */
export class DrillSchedule {
  readonly #run: () => Promise<unknown>;
  readonly #lastAt: () => string | null;
  readonly #log: Log;
  readonly #what: string;
  readonly #clock: Clock;
  readonly #timers: Timers;
  #days: number;
  #active = false;
  #running = false;
  #timer: unknown = null;
  /** With no drill yet: the time of the first look. */
  #firstLook: Date | null = null;

  constructor(options: {
    /** Runs one drill; a rejection (busy) means it is tried again later. */
    run: () => Promise<unknown>;
    lastAt: () => string | null;
    intervalDays: number;
    log: Log;
    /** What it runs, as the log names it ("Restore drill", "Off-site drill"). */
    what?: string;
    clock?: Clock;
    timers?: Timers;
  }) {
    this.#run = options.run;
    this.#lastAt = options.lastAt;
    this.#days = options.intervalDays;
    this.#log = options.log;
    this.#what = options.what ?? "Restore drill";
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? realTimers;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#firstLook = new Date(this.#clock().getTime() + FIRST_LOOK_MS);
    this.#arm(FIRST_LOOK_MS);
  }

  stop(): void {
    this.#active = false;
    this.#disarm();
  }

  /** Applies a new interval at once (0 turns scheduled drills off). */
  setIntervalDays(days: number): void {
    this.#days = days;
    if (this.#active) this.#arm(0);
  }

  /** When the next drill is due: the last one's time plus the interval, or the first look after the start. */
  nextDue(): Date | null {
    if (this.#days === 0) return null;
    const last = this.#lastAt();
    if (last) return new Date(new Date(last).getTime() + this.#days * DAY_MS);
    return this.#firstLook ?? this.#clock();
  }

  status(): DrillScheduleStatus {
    return {
      intervalDays: this.#days,
      nextDue: this.#active ? (this.nextDue()?.toISOString() ?? null) : null,
      running: this.#running,
    };
  }

  #disarm(): void {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }

  #arm(wait: number): void {
    this.#disarm();
    if (!this.#active || this.#days === 0) return;
    this.#timer = this.#timers.set(() => void this.#look(), Math.max(0, Math.min(LOOK_AGAIN_MS, wait)));
  }

  async #look(): Promise<void> {
    this.#timer = null;
    const due = this.nextDue();
    if (!this.#active || !due) return;
    const wait = due.getTime() - this.#clock().getTime();
    if (wait > 0 || this.#running) return this.#arm(wait > 0 ? wait : LOOK_AGAIN_MS);
    this.#running = true;
    try {
      await this.#run();
    } catch (error) {
      this.#log.info(
        `${this.#what} postponed (${describeError(error)}); it is tried again within 10 minutes`,
      );
    } finally {
      this.#running = false;
    }
    // Still due (it could not run): the next look waits its ten minutes.
    const left = (this.nextDue()?.getTime() ?? 0) - this.#clock().getTime();
    this.#arm(left > 0 ? left : LOOK_AGAIN_MS);
  }
}
