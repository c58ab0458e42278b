import { chmodSync, closeSync, openSync, statSync } from "node:fs";
import { openDatabase } from "#runtime/sqlite.ts";
import type { SqlDatabase } from "../runtime/types.ts";

/** How long a connection waits for another process's lock before it gives up. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Makes the database file and its -wal/-shm readable and writable by their owner only: they
 * hold password hashes and the audit trail. A missing file is created empty (a valid empty
 * database) with that mode before SQLite opens it, and SQLite gives the -wal and -shm it creates
 * the database file's mode; files left readable by others (an older version made them 0644)
 * are tightened. Windows has no such modes.
 */
function makePrivate(path: string, create: boolean): void {
  if (process.platform === "win32" || path === ":memory:" || path === "") return;
  if (create) {
    try {
      closeSync(openSync(path, "a", 0o600));
    } catch {
      // A folder that is missing or not writable: SQLite's open below reports it in its words.
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // Not there: nothing to tighten.
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(file, mode & 0o700);
    } catch {
      // Owned by someone else: SQLite's own open says whether the app may use it.
    }
  }
}

/**
 * Opens the main database the way every connection of the app does: owner-only file modes
 * (see `makePrivate`), WAL (readers never wait for the writer), `synchronous=NORMAL` (safe in
 * WAL mode: a crash loses at most the last commits, never consistency), foreign keys on, and a
 * busy timeout.
 */
export function openSqlite(
  path: string,
  options: { create?: boolean; readonly?: boolean } = {},
): SqlDatabase {
  if (!options.readonly) makePrivate(path, options.create ?? true);
  const db = openDatabase(path, options);
  try {
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) {
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = NORMAL");
    }
    db.run("PRAGMA foreign_keys = ON");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
