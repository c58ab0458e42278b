import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { isBusyError, openDatabase } from "#runtime/sqlite.ts";
import { openSqlite } from "../../db/connect.ts";
import { IDENTITY_TABLE, readIdentity } from "../../db/identity.ts";
import { describeError } from "../../lib/errors.ts";
import type { SqlDatabase } from "../../runtime/types.ts";

/**
 * Checks of SQLite files: a backup on disk and the live database. Any of them may take seconds
 * on a large database, so the engine runs them in the worker thread; none writes to the file it
 * checks.
 */

export interface CheckResult {
  ok: boolean;
  /** Why the file is not healthy, in words; null when it is. */
  reason: string | null;
  /** Tables of a healthy backup that BusinessApp does not know, kept as plain data (the trust rule). */
  unknownTables?: string[];
  /** Not checked: another program held the database locked past the wait (SQLite's SQLITE_BUSY). */
  busy?: boolean;
}

/** The live database's check, when it was made and how thoroughly. */
export interface HealthRecord extends CheckResult {
  checkedAt: string;
  full: boolean;
}

const SQLITE_HEADER = "SQLite format 3\u0000";

/**
 * Opens a backup `immutable` (read-only, no lock, no -wal or -shm made or read beside it); as
 * every connection, with `trusted_schema=OFF`.
 */
export function openBackupFile(path: string): SqlDatabase {
  return openDatabase(path, { immutable: true });
}

function readHeader(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buffer = new Uint8Array(100);
    const read = readSync(fd, buffer, 0, 100, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** SQLite's own check: null when it finds nothing, else its first three findings. */
export function findDamage(db: SqlDatabase, options: { full: boolean }): string | null {
  const rows = db.query(`PRAGMA ${options.full ? "integrity_check" : "quick_check"}(20)`).values();
  const messages = rows.map((r) => String(r[0]));
  if (messages.length === 1 && messages[0] === "ok") return null;
  return messages.slice(0, 3).join("; ");
}

/**
 * What a file must be before SQLite is asked anything about it: readable, not empty, an SQLite
 * file, as long as its header says, and alone (a `-wal` file beside it would make its content
 * depend on that other file). Null when it is; else why not.
 */
export function checkFileShape(path: string): CheckResult | null {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    return { ok: false, reason: `cannot be read (${describeError(error)})` };
  }
  if (size === 0) return { ok: false, reason: "the file is empty" };
  const header = readHeader(path);
  if (header.length < 100 || new TextDecoder().decode(header.subarray(0, 16)) !== SQLITE_HEADER) {
    return { ok: false, reason: "not an SQLite database file" };
  }
  const pageSize = ((header[16] ?? 0) << 8) | (header[17] ?? 0);
  const realPageSize = pageSize === 1 ? 65536 : pageSize;
  const pages =
    ((header[28] ?? 0) << 24) | ((header[29] ?? 0) << 16) | ((header[30] ?? 0) << 8) | (header[31] ?? 0);
  if (realPageSize > 0 && pages > 0 && size < realPageSize * (pages >>> 0)) {
    return {
      ok: false,
      reason: `the file is truncated (${size} bytes, the header says ${pages >>> 0} pages)`,
    };
  }
  if (existsSync(`${path}-wal`)) {
    return { ok: false, reason: "a -wal file lies beside it, so the file alone may be incomplete" };
  }
  return null;
}

/**
 * `PRAGMA quick_check` (or the slower, complete `integrity_check` when `full`) of a file that is
 * not being written, after `checkFileShape`. For a file the app made of its own database: SQLite's
 * checks run the code of any virtual table in it, so a file from elsewhere is judged by the trust
 * rule first (`checkRestorable`).
 */
export function checkFile(path: string, options: { full: boolean }): CheckResult {
  const shape = checkFileShape(path);
  if (shape) return shape;
  let db: SqlDatabase | null = null;
  try {
    db = openBackupFile(path);
    const damage = findDamage(db, options);
    return damage === null
      ? { ok: true, reason: null }
      : { ok: false, reason: `SQLite found damage: ${damage}` };
  } catch (error) {
    return { ok: false, reason: `SQLite cannot read it (${describeError(error)})` };
  } finally {
    db?.close();
  }
}

/** Checks the live database through a read-only connection (WAL readers never block writers). */
export function checkLiveDatabase(path: string, options: { full: boolean }): CheckResult {
  let db: SqlDatabase | null = null;
  try {
    db = openSqlite(path, { readonly: true });
    const damage = findDamage(db, options);
    return damage === null ? { ok: true, reason: null } : { ok: false, reason: damage };
  } catch (error) {
    return { ok: false, reason: describeError(error), ...(isBusyError(error) ? { busy: true } : {}) };
  } finally {
    db?.close();
  }
}

/**
 * The tables of the live database (not SQLite's or the migrator's own) with their row counts.
 * A count reads a whole table, seconds on a large cold database: it runs in the worker.
 */
export function countRows(path: string): { name: string; rows: number }[] {
  const db = openSqlite(path, { readonly: true });
  try {
    return countRowsIn(db);
  } finally {
    db.close();
  }
}

/** `countRows` on an open connection (a backup opened read-only, a drill's copy). */
export function countRowsIn(db: SqlDatabase): { name: string; rows: number }[] {
  return countedTables(db).map((name) => ({
    name,
    rows: Number(db.query(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`).values()[0]?.[0] ?? 0),
  }));
}

/** True when no table `countRowsIn` counts holds a row (one row looked for per table, not counted). */
export function holdsNoRows(db: SqlDatabase): boolean {
  return countedTables(db).every(
    (name) => db.query(`SELECT 1 FROM "${name.replaceAll('"', '""')}" LIMIT 1`).values().length === 0,
  );
}

/**
 * The tables whose rows are counted: not SQLite's own, nor the migrator's (by the name's start, as
 * SQLite folds it), nor the database's identity — bookkeeping, not rows of the shop.
 */
export function countedTables(db: SqlDatabase): string[] {
  return db
    .query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .values()
    .map((r) => String(r[0]))
    .filter((name) => !/^(sqlite_|__drizzle)/i.test(name) && name.toLowerCase() !== IDENTITY_TABLE);
}

/**
 * What a backup file that passed its check holds (opened as `openBackupFile` does): the row count
 * of each table, and the identity of the database it is of; null when it cannot be read.
 */
export function describeBackupFile(
  path: string,
): { rowCounts: Record<string, number>; databaseId: string | null } | null {
  let db: SqlDatabase | null = null;
  try {
    db = openBackupFile(path);
    return {
      rowCounts: Object.fromEntries(countRowsIn(db).map((t) => [t.name, t.rows])),
      databaseId: readIdentity(db),
    };
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** The identity of the database a file is of (opened as `openBackupFile` does), or null. */
export function identityOfFile(path: string): string | null {
  let db: SqlDatabase | null = null;
  try {
    db = openBackupFile(path);
    return readIdentity(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
