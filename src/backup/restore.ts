import { existsSync } from "node:fs";
import { DatabaseHandle } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import { BackupUnusableError, NotEnoughSpaceError, RestoreFailedError } from "./errors.ts";
import type { ManifestRecord } from "./manifest.ts";
import { spaceNeeded } from "./space.ts";
import { type RestoreStep, restoreTempPath, swapDatabaseFile } from "./swap.ts";
import { checkAppSchema } from "./trust.ts";
import type { EngineContext, RestoreResult, RunningOperation } from "./types.ts";

/** What a restore needs from the engine beyond the shared context. */
export interface RestoreContext extends EngineContext {
  hooks: readonly ((db: DatabaseHandle) => void)[];
  beforeStep?: ((step: RestoreStep) => void) | undefined;
  onUnusable?: ((reason: string) => void) | undefined;
  /** Logs an ERROR line, keeps it as the last error, and throws `error`. */
  fail(prefix: string, error: unknown): never;
  /** A pre-restore backup of the (closed) database, without retention. */
  takeSafetyBackup(by: string | null): Promise<ManifestRecord>;
  /** Checks the restored, reopened database and records its health; never throws. */
  checkHealth(): Promise<void>;
}

/**
 * Replaces the database with a backup that has passed the full check (SPEC §4 steps 2–5):
 * every write held back (the connection closed after a complete checkpoint), a pre-restore
 * safety backup of exactly what is replaced, the file swapped (`swapDatabaseFile`), reopened in
 * place with migrations run forward, the restore hooks run (every session ends), its health
 * checked. Guarantees: a failure before the swap's rename leaves the old database in place and
 * open; a crash at any moment leaves it entirely old or entirely restored.
 */
export async function restoreInPlace(
  ctx: RestoreContext,
  record: ManifestRecord,
  by: string | null,
  label: string,
): Promise<RestoreResult> {
  const { db, log, database } = ctx;
  const who = by ? ` by ${by}` : "";
  log.info(`${label} started from ${record.name}${who}`);
  const free = ctx.freeSpace(database);
  if (free < spaceNeeded(record.size)) {
    ctx.fail(
      `${label} failed, nothing was restored`,
      new NotEnoughSpaceError(spaceNeeded(record.size), free),
    );
  }
  const operation: RunningOperation = {
    action: "restore",
    kind: null,
    name: record.name,
    startedAt: ctx.clock().toISOString(),
    bytesExpected: record.size,
    temp: restoreTempPath(database),
  };
  ctx.setOperation(operation);
  try {
    // From here on every write is held back (requests get 503), so the safety backup holds
    // exactly the data that the restore replaces. The close fully checkpoints the WAL or refuses.
    try {
      if (db?.isOpen) db.close({ requireCheckpoint: true });
    } catch (error) {
      reopenQuietly(ctx, false);
      ctx.fail(`${label} failed, nothing was restored`, error);
    }
    let safety: ManifestRecord | null = null;
    try {
      if (existsSync(database)) safety = await ctx.takeSafetyBackup(by);
      else log.warning(`There is no database at ${database}, so no safety backup was needed`);
    } catch (error) {
      reopenQuietly(ctx, false);
      ctx.fail(`${label} failed, nothing was restored: the safety backup failed`, error);
    }
    // The safety backup reported its own progress; from here it is the restore's again.
    ctx.setOperation(operation);
    let swapped = false;
    try {
      swapDatabaseFile({
        database,
        source: ctx.folder.pathOf(record.name),
        // The backup passed the trust rule; its copy must too, or a file changed since could slip in.
        checkCopy: (copy) => {
          const trust = checkAppSchema(copy);
          if (!trust.ok) throw new BackupUnusableError(record.name, trust.reason ?? "it failed its check");
        },
        beforeStep: (step) => {
          if (step === "flush-folder") swapped = true;
          ctx.beforeStep?.(step);
        },
      });
      swapped = true;
    } catch (error) {
      // Before the rename the old file is untouched; after it, the restored file is whole, only
      // its folder entry may not be on disk yet. Either way the app goes on with the file in place.
      reopenQuietly(ctx, swapped);
      const state = swapped ? "the restored database is in place" : "the database was left as it was";
      ctx.fail(`${label} from ${record.name} failed (${state})`, error);
    }
    let handle: DatabaseHandle;
    try {
      handle = reopenRestored(ctx);
    } catch (error) {
      const reason = `the restored database could not be opened (${describeError(error)})`;
      ctx.onUnusable?.(reason);
      ctx.fail(`${label} from ${record.name}`, new RestoreFailedError(reason));
    }
    // Checked while a read-write connection is open: closing the command line's own connection
    // last then removes the -wal that the check's read-only connection cannot.
    try {
      await ctx.checkHealth();
    } finally {
      if (!ctx.db) handle.close();
    }
    const kept = safety ? `; safety backup: ${safety.name}` : "";
    log.info(`${label} from ${record.name}${who} completed${kept}`);
    return { restoredFrom: record.name, safetyBackup: safety?.name ?? null };
  } finally {
    ctx.setOperation(null);
  }
}

function reopenQuietly(ctx: RestoreContext, restored: boolean): void {
  try {
    if (!restored) ctx.db?.open();
    else if (!ctx.db) reopenRestored(ctx).close();
    else reopenRestored(ctx);
  } catch (error) {
    ctx.log.error(`Reopening the database failed: ${describeError(error)}`);
  }
}

/**
 * Opens the restored file, runs migrations forward, then the restore hooks, and returns the open
 * connection: the app's own, or offline (command line) a new one the caller closes.
 */
function reopenRestored(ctx: RestoreContext): DatabaseHandle {
  const handle = ctx.db ?? new DatabaseHandle(ctx.database);
  handle.open();
  try {
    for (const hook of ctx.hooks) hook(handle);
  } catch (error) {
    // A hook that failed may have left old sessions alive: better no database than that.
    handle.close();
    throw error;
  }
  return handle;
}
