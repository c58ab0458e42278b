import { constants, Database } from "bun:sqlite";
import { immutableUri } from "../shared/sqlite.ts";
import type { OpenDatabaseOptions, SqlDatabase } from "../types.ts";

export { immutableUri, isBusyError } from "../shared/sqlite.ts";

/**
 * Opens an SQLite file (`":memory:"` for a private in-memory database) through bun:sqlite,
 * whose `Database` is an `SqlDatabase` as it is. Throws SQLite's error when it cannot open.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  if (options.immutable)
    return new Database(immutableUri(path), constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
  if (options.readonly) return new Database(path, { readonly: true });
  return new Database(path, { create: options.create ?? true, readwrite: true });
}

/**
 * Writes one committed state of the database `db` reads into `target`, which must not exist,
 * while other connections keep writing: `VACUUM INTO`, which also compacts it. Slow on a large
 * database (run it off the serving thread); throws SQLite's error.
 */
export async function copyDatabase(db: SqlDatabase, target: string): Promise<void> {
  db.run("VACUUM INTO ?", [target]);
}
