import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBusyError, openDatabase } from "#runtime/sqlite.ts";
import { AppError } from "../errors.ts";

export const LOCK_ERROR_CODES = ["lock.held"] as const;
export type LockErrorCode = (typeof LOCK_ERROR_CODES)[number];

/** Another process (or another holder in this one) holds the lock. */
export class LockHeldError extends AppError<LockErrorCode> {
  /** The holder's process id when it could be read. */
  readonly pid: number | null;
  /** The holder said it holds the lock for short background work (it ends soon). */
  readonly background: boolean;

  constructor(path: string, holder: Holder) {
    super(
      "lock.held",
      `The lock ${path} is held by ${holder.pid === null ? "another process" : `process ${holder.pid}`}.`,
    );
    this.pid = holder.pid;
    this.background = holder.background;
  }
}

/** Who holds a lock, as the holder wrote it beside the lock. */
interface Holder {
  pid: number | null;
  background: boolean;
}

export interface FileLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes an exclusive lock on `path`, or throws `LockHeldError` at once.
 *
 * The lock is an SQLite exclusive transaction on an empty file, so it is an operating-system
 * lock: it works the same on Linux, macOS and Windows, and it disappears with the process that
 * held it — a lock left by a killed process is simply free again, whatever pid it named.
 * The holder's pid is written to `path + ".pid"` so a refused caller can name it, with the word
 * `background` when `background` says the holder's work is short and needs nobody (a refused
 * caller may wait for it instead of giving up).
 *
 * Keep the returned handle referenced until `release()`: it owns the SQLite connection that holds
 * the lock, and a dropped handle is garbage whose collection closes that connection — freeing the
 * lock at a moment nobody chose.
 */
export function acquireFileLock(path: string, options: { background?: boolean } = {}): FileLock {
  // Made owner-only before SQLite opens it, as every file of the app is.
  closeSync(openSync(path, "a", 0o600));
  const db = openDatabase(path, { create: true });
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if (isBusyError(error)) {
      throw new LockHeldError(path, readHolder(path));
    }
    throw error;
  }
  const pidFile = `${path}.pid`;
  try {
    writeFileSync(pidFile, `${process.pid}${options.background ? " background" : ""}`, { mode: 0o600 });
  } catch {
    // Only a name for the message of a refused caller; the lock itself holds without it.
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        rmSync(pidFile, { force: true });
      } catch {
        // A stale pid file names nobody once the lock is free.
      } finally {
        db.close();
      }
    },
  };
}

function readHolder(path: string): Holder {
  try {
    // Written by another process of the app: read as the short text it should be, nothing more.
    const [first, second] = readFileSync(`${path}.pid`, "utf8").slice(0, 64).split(" ");
    const pid = Number.parseInt(first ?? "", 10);
    return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null, background: second === "background" };
  } catch {
    return { pid: null, background: false };
  }
}
