import { closeSync, existsSync, openSync } from "node:fs";
import { backup, DatabaseSync } from "node:sqlite";
import { distrustSchema, immutableUri } from "../shared/sqlite.ts";
import type { OpenDatabaseOptions, SqlDatabase } from "../types.ts";
import { NodeSqlDatabase } from "./sql-database.ts";
import { cannotOpenError, nameSqliteError, withSqliteCodes } from "./sqlite-errors.ts";

export { immutableUri, isBusyError } from "../shared/sqlite.ts";

/**
 * bun:sqlite's defaults, which node:sqlite turns around: foreign keys are off until the app turns
 * them on (as `openSqlite` does), and a double-quoted word that names no column is a string, so
 * a backup's schema reads the same in both runtimes.
 */
const AS_BUN_DOES = { enableForeignKeyConstraints: false, enableDoubleQuotedStringLiterals: true };

/**
 * Opens an SQLite file (`":memory:"` for a private in-memory database) through node:sqlite, with
 * `trusted_schema=OFF` (`distrustSchema`). Throws SQLite's error, with its code name, when it
 * cannot open.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  // node:sqlite has no flag to refuse a missing file: a read-write open would create it.
  if (options.create === false && !options.readonly && path !== ":memory:" && !existsSync(path))
    throw cannotOpenError(path);
  const location = options.immutable ? immutableUri(path) : path;
  const readOnly = options.immutable === true || options.readonly === true;
  const db = distrustSchema(
    new NodeSqlDatabase(withSqliteCodes(() => new DatabaseSync(location, { ...AS_BUN_DOES, readOnly }))),
  );
  // Deno's node:sqlite waits 5 s for a busy file by default (its `timeout` option does not lower it);
  // bun:sqlite does not wait. As Bun does: a connection that should wait says how long itself.
  db.run("PRAGMA busy_timeout = 0");
  return db;
}

/**
 * Writes one committed state of the database `db` reads into `target`, which must not exist,
 * while other connections keep writing: SQLite's online backup API, page by page (free pages
 * included, as they are). All pages go in one step: node:sqlite's backup starts again from the
 * beginning whenever another connection commits between two steps, which under steady writes
 * would never end; one step holds one read transaction, which WAL writers never wait for. The
 * copy's header still says WAL (the caller makes it a rollback-journal file). Blocks the thread
 * it runs on (run it off the serving thread); throws SQLite's error.
 */
export async function copyDatabase(db: SqlDatabase, target: string): Promise<void> {
  if (!(db instanceof NodeSqlDatabase))
    throw new TypeError("copyDatabase() takes a connection openDatabase made");
  // Created owner-only and exclusively, as VACUUM INTO refuses a file that is there.
  closeSync(openSync(target, "wx", 0o600));
  try {
    await backup(db.connection, target, { rate: -1 });
  } catch (error) {
    throw nameSqliteError(error);
  }
}
