import { SQLiteBunSession } from "drizzle-orm/bun-sqlite/session";
import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm/relations";
import { BaseSQLiteDatabase, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SqlDatabase } from "../types.ts";

/**
 * Drizzle on a connection `openDatabase` made: drizzle 0.45 has no node:sqlite driver, but its
 * bun-sqlite session (which, unlike that driver's entry, does not import bun:sqlite) runs on
 * any connection with bun:sqlite's calls, as `NodeSqlDatabase` is.
 */
export function createOrm<Schema extends Record<string, unknown>>(
  db: SqlDatabase,
  schema: Schema,
): BaseSQLiteDatabase<"sync", unknown, Schema> {
  const dialect = new SQLiteSyncDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const relations = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  // biome-ignore lint/suspicious/noExplicitAny: the session's client is typed as bun:sqlite's Database.
  const session = new SQLiteBunSession(db as any, dialect, relations, {});
  // biome-ignore lint/suspicious/noExplicitAny: the constructor wants drizzle's internal schema generics.
  return new BaseSQLiteDatabase("sync", dialect, session as any, relations as any) as BaseSQLiteDatabase<
    "sync",
    unknown,
    Schema
  >;
}
