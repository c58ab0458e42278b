import { acquireFileLock, type FileLock, LockHeldError } from "../lib/files/file-lock.ts";
import type { Clock } from "../lib/time.ts";
import type { Timers } from "../lib/timers.ts";
import { OffsiteBusyError } from "./errors.ts";

/** The lock that keeps runs one at a time across processes; `OffsiteBusyError` when another holds it. */
export function takeRunLock(path: string): FileLock {
  try {
    return acquireFileLock(path);
  } catch (error) {
    if (error instanceof LockHeldError) throw new OffsiteBusyError(error.pid);
    throw error;
  }
}

/**
 * Runs of one job in the background, one at a time: a run asked for while one is going on
 * follows right after it (once, however often it was asked for); a run may be scheduled for
 * later (a retry). Nothing runs before `start` or after `stop`.
 */
export class BackgroundRuns {
  readonly #job: () => Promise<void>;
  readonly #timers: Timers;
  readonly #clock: Clock;
  #started = false;
  #run: Promise<void> | null = null;
  #again = false;
  #later: { handle: unknown; at: string } | null = null;

  /** `job` must not reject: it handles its own failures. */
  constructor(job: () => Promise<void>, options: { timers: Timers; clock: Clock }) {
    this.#job = job;
    this.#timers = options.timers;
    this.#clock = options.clock;
  }

  get started(): boolean {
    return this.#started;
  }

  get running(): boolean {
    return this.#run !== null;
  }

  /** When the scheduled run is due, or null. */
  get dueAt(): string | null {
    return this.#later?.at ?? null;
  }

  start(): void {
    this.#started = true;
    this.request();
  }

  /** No runs from now on; resolves once the one going on has ended (the caller makes it end). */
  async stop(): Promise<void> {
    this.#started = false;
    this.#cancelLater();
    await this.idle();
  }

  /** A run now, or right after the one going on; it replaces a scheduled one. */
  request(): void {
    if (!this.#started) return;
    if (this.#run) {
      this.#again = true;
      return;
    }
    this.#cancelLater();
    this.#run = this.#loop().finally(() => {
      this.#run = null;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#job();
    } while (this.#again && this.#started);
  }

  /** A run in `minutes`, unless one is asked for sooner. */
  later(minutes: number): void {
    if (!this.#started) return;
    this.#cancelLater();
    const at = new Date(this.#clock().getTime() + minutes * 60_000).toISOString();
    const handle = this.#timers.set(() => {
      this.#later = null;
      this.request();
    }, minutes * 60_000);
    this.#later = { handle, at };
  }

  #cancelLater(): void {
    if (this.#later) this.#timers.clear(this.#later.handle);
    this.#later = null;
  }

  /** Resolves once no run is going on. */
  async idle(): Promise<void> {
    while (this.#run) await this.#run;
  }
}
