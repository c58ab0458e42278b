import { describeError } from "../../lib/errors.ts";
import { acquireFileLock, type FileLock, LockHeldError } from "../../lib/files/file-lock.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { MadeKind } from "../catalog/names.ts";
import { fileSize } from "../catalog/space.ts";
import { BackupBusyError } from "../errors.ts";
import { type BackgroundHold, BackgroundWork } from "./background.ts";

/** A backup, restore or restore drill as the status shows it. */
export interface Operation {
  action: "backup" | "restore" | "drill";
  kind: MadeKind | null;
  name: string | null;
  startedAt: string;
  bytesExpected: number;
  bytesWritten: number;
  /** The file another program holds open, while the operation waits for it to be closed. */
  waitingFor: string | null;
}

/** The operation as the engine keeps it: progress is the size of its temporary file. */
export type RunningOperation = Omit<Operation, "bytesWritten" | "waitingFor"> & { temp: string };

/**
 * How long an operation waits while another process of the app holds the lock for short
 * background work (recording a check, removing old backups) before it says "busy".
 */
const BACKGROUND_WAIT_MS = 30_000;
const BACKGROUND_POLL_MS = 50;

/** How an error of a step is logged, when the step knows better than the operation's own label. */
const labels = new WeakMap<object, string>();

/**
 * Marks `error` to be logged as "`label`: its message" instead of under the operation's label
 * (e.g. "Database restore failed, nothing was restored: the safety backup failed"), unless a
 * step marked it already; returns it.
 */
export function labelFailure<E>(label: string, error: E): E {
  // The first label is the most precise one: the step's, not the operation around it.
  if (typeof error === "object" && error !== null && !labels.has(error)) labels.set(error, label);
  return error;
}

/**
 * One backup, check or restore at a time, across processes: each runs holding the folder's
 * operation lock (an OS lock, see `acquireFileLock`), and a second one gets `BackupBusyError` at
 * once. Keeps what the status shows of it: the running operation with its progress, and the
 * last failure (logged as ERROR once).
 */
export class OperationRunner {
  readonly #lockPath: string;
  readonly #log: Log;
  readonly #clock: Clock;
  readonly #onLocked: () => void;
  #idle: Promise<void> = Promise.resolve();
  #current: RunningOperation | null = null;
  /** Ends when the short background work holding the lock now (if any) is done. */
  #background: Promise<void> | null = null;
  #waitingFor: string | null = null;
  lastError: { message: string; at: string } | null = null;
  /** The background work of this process, which makes way for every operation that is not. */
  readonly background: BackgroundWork;

  /** `onLocked` is called each time this process takes the lock (the engine forgets its kept listing). */
  constructor(options: {
    lockPath: string;
    log: Log;
    clock: Clock;
    onLocked?: () => void;
    backgroundHold?: BackgroundHold | undefined;
  }) {
    this.#lockPath = options.lockPath;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#onLocked = options.onLocked ?? (() => {});
    this.background = new BackgroundWork({ clock: options.clock, hold: options.backgroundHold });
  }

  /** Takes the operation lock (`acquireFileLock`) and says so. */
  #lock(background = false): FileLock {
    const lock = acquireFileLock(this.#lockPath, { background });
    this.#onLocked();
    return lock;
  }

  /**
   * Runs `fn` holding the operation lock, which is taken before this returns (no await first),
   * unless background work of this process or another holds it for a moment: then after that
   * (another process's, up to `BACKGROUND_WAIT_MS`). A failure is
   * logged as ERROR under `label` (or the label a step gave it with `labelFailure`), kept as the
   * last error (not for background work), and thrown on. An operation that is not background
   * work stops the background work running now (`BackgroundWork.pause`) until it has ended.
   */
  async run<T>(label: string, fn: () => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
    while (this.#background) await this.#background;
    const background = options.background === true;
    let lock: FileLock;
    try {
      // Taken at once when free: a caller sees the operation running as soon as this is called.
      lock = this.#lock(background);
    } catch (error) {
      lock = await this.#afterBackground(error, background);
    }
    let done = () => {};
    const ended = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#idle = ended;
    if (options.background) this.#background = ended;
    const resume = background ? () => {} : this.background.pause();
    try {
      return await fn();
    } catch (error) {
      const message = `${(typeof error === "object" && error !== null && labels.get(error)) || label}: ${describeError(error)}`;
      if (!options.background) this.lastError = { message, at: this.#clock().toISOString() };
      this.#log.error(message);
      throw error;
    } finally {
      this.#current = null;
      if (options.background) this.#background = null;
      lock.release();
      resume();
      done();
    }
  }

  /**
   * Runs `fn` holding the lock if it is free; resolves with null when another operation holds it.
   * With `background`, an operation someone starts meanwhile waits for `fn` instead of being told
   * "busy": keep such work short.
   */
  async runIfFree<T>(
    label: string,
    fn: () => Promise<T>,
    options: { background?: boolean } = {},
  ): Promise<T | null> {
    try {
      return await this.run(label, fn, options);
    } catch (error) {
      if (error instanceof BackupBusyError) return null;
      throw error;
    }
  }

  /** Shows `op` as the running operation (its progress is the size of its temporary file). */
  show(op: RunningOperation | null): void {
    this.#current = op;
    this.#waitingFor = null;
  }

  /** Shows that the running operation waits for another program to close `file`. */
  showWaitFor(file: string): void {
    this.#waitingFor = file;
  }

  /** The running operation with its progress, or null. */
  progress(): Operation | null {
    const op = this.#current;
    if (!op) return null;
    const { temp, ...rest } = op;
    return { ...rest, bytesWritten: fileSize(temp), waitingFor: this.#waitingFor };
  }

  /** Resolves once the operation running now (if any) has ended. */
  idle(): Promise<void> {
    return this.#idle;
  }

  /**
   * The operation lock after `refused` (the first try's error): waited for (bounded) while another
   * process holds it for background work, else `BackupBusyError`.
   */
  async #afterBackground(refused: unknown, background: boolean): Promise<FileLock> {
    const deadline = performance.now() + BACKGROUND_WAIT_MS;
    let error = refused;
    for (;;) {
      if (!(error instanceof LockHeldError)) throw error;
      if (!error.background || performance.now() >= deadline) throw new BackupBusyError(error.pid);
      await new Promise((resolve) => setTimeout(resolve, BACKGROUND_POLL_MS));
      try {
        return this.#lock(background);
      } catch (next) {
        error = next;
      }
    }
  }

  /** Runs `fn` holding the lock only if it is free right now; false when another process holds it. */
  async tryExclusive(fn: () => Promise<void>): Promise<boolean> {
    let lock: FileLock;
    try {
      lock = this.#lock();
    } catch (error) {
      if (error instanceof LockHeldError) return false;
      throw error;
    }
    try {
      await fn();
      return true;
    } finally {
      lock.release();
    }
  }
}
