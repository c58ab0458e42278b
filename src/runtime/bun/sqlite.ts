import { constants, Database } from "bun:sqlite";
import { pathToFileURL } from "node:url";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { OpenDatabaseOptions, SqlDatabase } from "../types.ts";

/**
 * Opens an SQLite file (`":memory:"` for a private in-memory database) through bun:sqlite,
 * whose `Database` is an `SqlDatabase` as it is. Throws SQLite's error when it cannot open.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  if (options.immutable) {
    // Only a URI can carry `immutable`; a file URL also escapes `?` and `#` in the path.
    const uri = `${pathToFileURL(path).href}?immutable=1`;
    return new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
  }
  if (options.readonly) return new Database(path, { readonly: true });
  return new Database(path, { create: options.create ?? true, readwrite: true });
}

/** True when SQLite refused because another connection holds the lock it needs. */
export function isBusyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_BUSY";
}

/** Drizzle on a connection `openDatabase` made, typed by drizzle's runtime-neutral class. */
export function createOrm<Schema extends Record<string, unknown>>(
  db: SqlDatabase,
  schema: Schema,
): BaseSQLiteDatabase<"sync", unknown, Schema> {
  return drizzle({ client: db as Database, schema });
}
