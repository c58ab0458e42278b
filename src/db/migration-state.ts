import type { MigrationMeta } from "drizzle-orm/migrator";
import { AppError } from "../lib/errors.ts";
import type { SqlDatabase } from "../runtime/types.ts";

/**
 * Where a database stands against the migrations this executable knows: `new` (no table yet),
 * `current`, `behind` (written by an older version: migrations to run), or `newer` (written by a
 * newer version, which this one must never open: it cannot know the schema, and nothing runs
 * migrations backwards).
 */
export type MigrationStanding =
  | { state: "new" | "current" }
  | { state: "behind"; applied: number; pending: number }
  | { state: "newer"; applied: number; known: number };

/** The database was written by a newer version of BusinessApp. */
export class DatabaseTooNewError extends AppError<"db.too_new"> {
  constructor(applied: number, known: number) {
    super(
      "db.too_new",
      `The database was written by a newer version of BusinessApp (it has ${applied} database updates, this version knows ${known}). ` +
        "Start the newer version again, or restore a backup made by this version; the database was not changed.",
    );
  }
}

/**
 * Reads how far `db` was migrated (Drizzle's `__drizzle_migrations`: one row per applied
 * migration, `created_at` its time stamp) and compares it with `known`. A database with tables
 * but no migration history counts as behind all of them.
 */
export function migrationStanding(db: SqlDatabase, known: MigrationMeta[]): MigrationStanding {
  const tables = db
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .all()
    .map((r) => r.name);
  if (tables.length === 0) return { state: "new" };
  if (!tables.includes("__drizzle_migrations")) return { state: "behind", applied: 0, pending: known.length };
  const applied = db
    .query<{ created_at: number | string }, []>('SELECT created_at FROM "__drizzle_migrations"')
    .all()
    .map((r) => Number(r.created_at));
  const latestKnown = Math.max(0, ...known.map((m) => m.folderMillis));
  if (applied.length > known.length || applied.some((at) => at > latestKnown))
    return { state: "newer", applied: applied.length, known: known.length };
  // Drizzle runs every migration newer than the newest one applied.
  const newestApplied = Math.max(0, ...applied);
  const pending = known.filter((m) => m.folderMillis > newestApplied).length;
  return pending === 0 ? { state: "current" } : { state: "behind", applied: applied.length, pending };
}
