import type { MigrationConfig, MigrationMeta } from "drizzle-orm/migrator";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { createOrm as createRuntimeOrm } from "#runtime/orm.ts";
import type { SqlDatabase } from "../runtime/types.ts";
import { embeddedMigrations } from "./migrations.ts";
import * as schema from "./schema.ts";

/** Drizzle on the app's schema, in the type every runtime's driver shares. */
export type Orm = BaseSQLiteDatabase<"sync", unknown, typeof schema>;

interface Migrator {
  dialect: { migrate(m: MigrationMeta[], s: unknown, c: MigrationConfig): void };
  session: unknown;
}

/**
 * Brings the schema up to this version of the app (or through the first `migrations` only: the
 * backup trust rule rebuilds the schema an older version made), in one transaction.
 */
export function migrate(orm: Orm, migrations: MigrationMeta[] = embeddedMigrations()): void {
  // Drizzle's own `migrate()` reads a folder at run time; the embedded list feeds the same
  // migrator, so the executable needs no files beside it.
  const { dialect, session } = orm as unknown as Migrator;
  dialect.migrate(migrations, session, { migrationsFolder: "(embedded)" });
}

export function createOrm(sqlite: SqlDatabase): Orm {
  return createRuntimeOrm(sqlite, schema);
}
