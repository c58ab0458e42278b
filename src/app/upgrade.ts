import { existsSync } from "node:fs";
import type { App } from "../app.ts";
import { DatabaseDamagedError } from "../backup/index.ts";
import { openSqlite } from "../db/connect.ts";
import { DatabaseTooNewError, migrationStanding } from "../db/migration-state.ts";
import { AppError, describeError } from "../lib/errors.ts";

/** The database must be updated, and the backup taken first failed: nothing was migrated. */
export class UpdateBackupFailedError extends AppError<"app.update_backup_failed"> {
  constructor(reason: string) {
    super(
      "app.update_backup_failed",
      `BusinessApp did not start: the database must be updated to this version, and the backup taken before that failed (${reason}). ` +
        "The database was not changed. Fix the cause and start again, or go on with the previous version.",
    );
  }
}

/** True for the refusals that keep the app from starting on this database (each says why). */
export function isStartRefusal(error: unknown): error is DatabaseTooNewError | UpdateBackupFailedError {
  return error instanceof DatabaseTooNewError || error instanceof UpdateBackupFailedError;
}

/**
 * Before the database is opened for use: when it was written by an older version (its applied
 * migrations are behind this executable's), a verified `pre_update_….db` backup of it is taken
 * first, so the database as the older version left it is kept; migrating is `db.open()`'s work
 * afterwards. Throws `DatabaseTooNewError` for a database of a newer version, and
 * `UpdateBackupFailedError` when the backup failed (nothing is migrated then), except
 * `DatabaseDamagedError`, which the caller answers with recovery mode. A missing database, or a
 * file SQLite cannot read, is left to `db.open()`. The caller logs a refusal.
 */
export async function backUpBeforeUpdate(app: App): Promise<void> {
  const { db, engine, log } = app;
  if (!existsSync(db.path)) return;
  let standing: ReturnType<typeof migrationStanding>;
  try {
    const sqlite = openSqlite(db.path, { readonly: true });
    try {
      standing = migrationStanding(sqlite, db.migrations);
    } finally {
      sqlite.close();
    }
  } catch {
    return;
  }
  if (standing.state === "newer") throw new DatabaseTooNewError(standing.applied, standing.known);
  if (standing.state !== "behind") return;
  log.info(
    `The database was written by an older version of BusinessApp (${standing.pending} database ${standing.pending === 1 ? "update" : "updates"} to apply); it is backed up before it is updated`,
  );
  try {
    const record = await engine.createBackup({ kind: "pre_update", createdBy: "startup" });
    log.info(`Updating the database to this version; the database as it was is kept as ${record.name}`);
  } catch (error) {
    if (error instanceof DatabaseDamagedError) throw error;
    throw new UpdateBackupFailedError(describeError(error));
  }
}
