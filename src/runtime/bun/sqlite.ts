import { constants, Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { OpenDatabaseOptions, SqlDatabase } from "../types.ts";

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
 * Only a URI can carry `immutable`. The path goes in as it is after `file:`, with the three
 * characters a URI gives a meaning (`%`, `?`, `#`) escaped: a `file://` URL would turn a network
 * path `\\PC\share\…` into an authority SQLite refuses ("invalid uri authority").
 */
export function immutableUri(path: string): string {
  const escaped = path.replaceAll("%", "%25").replaceAll("?", "%3f").replaceAll("#", "%23");
  return `file:${escaped}?immutable=1`;
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
