import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBusyError, openDatabase } from "#runtime/sqlite.ts";
import { AppError } from "./errors.ts";

export const LOCK_ERROR_CODES = ["lock.held"] as const;
export type LockErrorCode = (typeof LOCK_ERROR_CODES)[number];

/** Another process (or another holder in this one) holds the lock. */
export class LockHeldError extends AppError<LockErrorCode> {
  /** The holder's process id when it could be read. */
  readonly pid: number | null;

  constructor(path: string, pid: number | null) {
    super("lock.held", `The lock ${path} is held by ${pid === null ? "another process" : `process ${pid}`}.`);
    this.pid = pid;
  }
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
 * The holder's pid is written to `path + ".pid"` so a refused caller can name it.
 *
 * Keep the returned handle referenced until `release()`: it owns the SQLite connection that holds
 * the lock, and a dropped handle is garbage whose collection closes that connection — freeing the
 * lock at a moment nobody chose.
 */
export function acquireFileLock(path: string): FileLock {
  // Made owner-only before SQLite opens it, as every file of the app is.
  closeSync(openSync(path, "a", 0o600));
  const db = openDatabase(path, { create: true });
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if (isBusyError(error)) {
      throw new LockHeldError(path, readHolderPid(path));
    }
    throw error;
  }
  const pidFile = `${path}.pid`;
  try {
    writeFileSync(pidFile, String(process.pid), { mode: 0o600 });
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

function readHolderPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(`${path}.pid`, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
