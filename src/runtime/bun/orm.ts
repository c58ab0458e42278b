import type { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { SqlDatabase } from "../types.ts";

/** Drizzle on a connection `openDatabase` made, typed by drizzle's runtime-neutral class. */
export function createOrm<Schema extends Record<string, unknown>>(
  db: SqlDatabase,
  schema: Schema,
): BaseSQLiteDatabase<"sync", unknown, Schema> {
  return drizzle({ client: db as Database, schema });
}
