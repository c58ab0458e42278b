import { constants, Database } from "bun:sqlite";
import { distrustSchema, immutableUri } from "../shared/sqlite.ts";
import type { OpenDatabaseOptions, SqlDatabase } from "../types.ts";

export { immutableUri, isBusyError } from "../shared/sqlite.ts";

/**
 * Opens an SQLite file (`":memory:"` for a private in-memory database) through bun:sqlite,
 * whose `Database` is an `SqlDatabase` as it is, with `trusted_schema=OFF` (`distrustSchema`).
 * URI file names are on (as node:sqlite has them), so `ATTACH` takes an immutable URI; a path
 * that does not start with `file:` means what it says. Throws SQLite's error when it cannot open.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  const { SQLITE_OPEN_READONLY, SQLITE_OPEN_READWRITE, SQLITE_OPEN_CREATE, SQLITE_OPEN_URI } = constants;
  const location = options.immutable ? immutableUri(path) : path;
  const flags =
    options.immutable || options.readonly
      ? SQLITE_OPEN_READONLY
      : SQLITE_OPEN_READWRITE | (options.create === false ? 0 : SQLITE_OPEN_CREATE);
  return distrustSchema(new Database(location, flags | SQLITE_OPEN_URI));
}

/**
 * Writes one committed state of the database `db` reads into `target`, which must not exist,
 * while other connections keep writing: `VACUUM INTO`, which also compacts it. Slow on a large
 * database (run it off the serving thread); throws SQLite's error.
 */
export async function copyDatabase(db: SqlDatabase, target: string): Promise<void> {
  db.run("VACUUM INTO ?", [target]);
}
