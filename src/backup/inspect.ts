import { constants, Database } from "bun:sqlite";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  constants as fsConstants,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { pathToFileURL } from "node:url";
import { describeError } from "../lib/errors.ts";
import { fsyncFile } from "../lib/fs-sync.ts";

/**
 * Checks and copies of SQLite files. Everything here may take seconds on a large database, so
 * the engine runs it in the worker thread; none of it writes to the file it checks.
 */

export interface CheckResult {
  ok: boolean;
  /** Why the file is not healthy, in words; null when it is. */
  reason: string | null;
  /** Tables of a healthy backup that BusinessApp does not know, kept as plain data (the trust rule). */
  unknownTables?: string[];
}

const SQLITE_HEADER = "SQLite format 3\u0000";

/**
 * Opens a backup read-only and `immutable`: SQLite then takes no lock and creates no -wal or
 * -shm beside the file, and never looks at one that happens to be there.
 */
export function openImmutable(path: string): Database {
  const uri = `${pathToFileURL(path).href}?immutable=1`;
  const db = new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
  db.run("PRAGMA trusted_schema = OFF");
  return db;
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

/**
 * `PRAGMA quick_check` (or the slower, complete `integrity_check` when `full`) of a file that is
 * not being written. Also refuses what SQLite would otherwise accept quietly: an empty file, a
 * file that is not SQLite, a truncated one, and a backup with a `-wal` file beside it (its
 * content would depend on that other file).
 */
export function checkFile(path: string, options: { full: boolean }): CheckResult {
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
  let db: Database | null = null;
  try {
    db = openImmutable(path);
    const rows = db.query(`PRAGMA ${options.full ? "integrity_check" : "quick_check"}(20)`).values();
    const messages = rows.map((r) => String(r[0]));
    if (messages.length === 1 && messages[0] === "ok") return { ok: true, reason: null };
    return { ok: false, reason: `SQLite found damage: ${messages.slice(0, 3).join("; ")}` };
  } catch (error) {
    return { ok: false, reason: `SQLite cannot read it (${describeError(error)})` };
  } finally {
    db?.close();
  }
}

/** SHA-256 of a file, read in chunks so memory stays flat whatever its size. */
export async function sha256File(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** Checks the live database through a read-only connection (WAL readers never block writers). */
export function checkLiveDatabase(path: string, options: { full: boolean }): CheckResult {
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    db.run("PRAGMA busy_timeout = 5000");
    const rows = db.query(`PRAGMA ${options.full ? "integrity_check" : "quick_check"}(20)`).values();
    const messages = rows.map((r) => String(r[0]));
    if (messages.length === 1 && messages[0] === "ok") return { ok: true, reason: null };
    return { ok: false, reason: messages.slice(0, 3).join("; ") };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  } finally {
    db?.close();
  }
}

export type SnapshotMethod = "vacuum" | "serialize" | "copy";

/**
 * Writes a consistent snapshot of the live database to `target` (which must not exist) with
 * `VACUUM INTO` through a read-only connection: one committed state, while the app keeps
 * writing. The result is a compact, rollback-journal SQLite file, owner-only, flushed to disk.
 *
 * With `salvage` (a pre-restore copy of a damaged database), what `VACUUM INTO` cannot read is
 * still kept: the pages as they are (`serialize()`, WAL included), or failing that the raw file.
 */
export function snapshotDatabase(
  source: string,
  target: string,
  options: { salvage: boolean },
): SnapshotMethod {
  let method: SnapshotMethod = "vacuum";
  let db: Database | null = null;
  try {
    db = new Database(source, { readonly: true });
    db.run("PRAGMA busy_timeout = 5000");
    db.run("VACUUM INTO ?", [target]);
  } catch (error) {
    rmSync(target, { force: true });
    if (!options.salvage) throw error;
    method = salvageCopy(db, source, target);
  } finally {
    db?.close();
  }
  if (process.platform !== "win32") chmodSync(target, 0o600);
  fsyncFile(target);
  return method;
}

function salvageCopy(db: Database | null, source: string, target: string): SnapshotMethod {
  if (db) {
    try {
      const bytes = db.serialize();
      // A serialized WAL database still says "WAL" in its header; a backup is a rollback-journal file.
      bytes[18] = 1;
      bytes[19] = 1;
      writeFileSync(target, bytes, { mode: 0o600, flag: "wx" });
      return "serialize";
    } catch {
      rmSync(target, { force: true });
    }
  }
  copyFileSync(source, target, fsConstants.COPYFILE_EXCL);
  return "copy";
}

/**
 * The tables of the live database (not SQLite's or the migrator's own) with their row counts.
 * A count reads a whole table, seconds on a large cold database: it runs in the worker.
 */
export function countRows(path: string): { name: string; rows: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    db.run("PRAGMA busy_timeout = 5000");
    const names = db
      .query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
      )
      .values()
      .map((r) => String(r[0]));
    return names.map((name) => ({
      name,
      rows: Number(db.query(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`).values()[0]?.[0] ?? 0),
    }));
  } finally {
    db.close();
  }
}
