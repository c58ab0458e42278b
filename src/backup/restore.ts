import { existsSync } from "node:fs";
import { DatabaseHandle } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import { BackupUnusableError, NotEnoughSpaceError, RestoredDatabaseUnusableError } from "./errors.ts";
import type { ManifestRecord } from "./manifest.ts";
import { labelFailure } from "./operation.ts";
import type { RetentionLimits } from "./retention.ts";
import { takeBackup } from "./snapshot.ts";
import { spaceNeeded } from "./space.ts";
import { type RestoreStep, restoreTempPath, swapDatabaseFile } from "./swap.ts";
import { checkAppSchema } from "./trust.ts";
import type { EngineContext, HealthRecord, RestoreResult, RunningOperation } from "./types.ts";
import { checkLiveInWorker } from "./worker-client.ts";

/** Runs on the restored database, open and migrated, before anyone uses it. */
export type RestoredHook = (db: DatabaseHandle) => void;

/** Who hears of restores. */
export class RestoreEvents {
  readonly restored: RestoredHook[] = [];
  readonly unusable: ((reason: string) => void)[] = [];

  /**
   * `hook` runs after every restore on the restored database, open and migrated, before anyone
   * uses it (the app ends every session here, including those carried inside the backup).
   */
  onRestored(hook: RestoredHook): void {
    this.restored.push(hook);
  }

  /** `listener` hears when a restored file is in place but will not open (the app enters recovery mode). */
  onDatabaseUnusable(listener: (reason: string) => void): void {
    this.unusable.push(listener);
  }
}

/** What a restore needs beyond the engine's shared context. */
export interface RestoreContext extends EngineContext {
  events: RestoreEvents;
  beforeStep?: ((step: RestoreStep) => void) | undefined;
}

export interface RestoreOutcome {
  result: RestoreResult;
  /** The restored database's health, checked after reopening; null when the check could not run. */
  health: HealthRecord | null;
}

/**
 * Replaces the database with `record`, a backup that has passed the full check: every write
 * held back (the connection closed after a complete checkpoint), a pre-restore safety backup of
 * exactly what is replaced, the file swapped (`swapDatabaseFile`, its copy judged by the trust
 * rule again), reopened in place with migrations run forward, the restore hooks run (every
 * session ends), its health checked, old safety backups rotated out. Guarantees: a failure before the swap's rename leaves the
 * old database in place and open; a crash at any moment leaves it entirely old or entirely
 * restored. Throws `RestoredDatabaseUnusableError` when the restored file will not open.
 */
export async function restoreDatabase(
  ctx: RestoreContext,
  record: ManifestRecord,
  options: { by: string | null; label: string; retention: RetentionLimits },
): Promise<RestoreOutcome> {
  const { by, label } = options;
  const { db, log, database } = ctx;
  const who = by ? ` by ${by}` : "";
  const untouched = `${label} failed, nothing was restored`;
  log.info(`${label} started from ${record.name}${who}`);
  const free = ctx.freeSpace(database);
  if (free < spaceNeeded(record.size))
    throw labelFailure(untouched, new NotEnoughSpaceError(spaceNeeded(record.size), free));
  const operation: RunningOperation = {
    action: "restore",
    kind: null,
    name: record.name,
    startedAt: ctx.clock().toISOString(),
    bytesExpected: record.size,
    temp: restoreTempPath(database),
  };
  ctx.operations.show(operation);
  // From here on every write is held back (requests get 503), so the safety backup holds exactly
  // the data that the restore replaces. The close fully checkpoints the WAL or refuses.
  try {
    if (db?.isOpen) db.close({ requireCheckpoint: true });
  } catch (error) {
    reopenQuietly(ctx, false);
    throw labelFailure(untouched, error);
  }
  let safety: ManifestRecord | null = null;
  try {
    if (existsSync(database)) {
      const taken = await takeBackup(
        ctx,
        { kind: "pre_restore", createdBy: by },
        { salvage: true, retention: null },
      );
      safety = taken.record;
    } else log.warning(`There is no database at ${database}, so no safety backup was needed`);
  } catch (error) {
    reopenQuietly(ctx, false);
    throw labelFailure(`${untouched}: the safety backup failed`, error);
  }
  // The safety backup showed its own progress; from here it is the restore's again.
  ctx.operations.show(operation);
  await swapInto(ctx, record, label, safety);
  const handle = reopenRestored(ctx, label, record);
  // Checked while a read-write connection is open: closing the command line's own connection
  // last then removes the -wal that the check's read-only connection cannot.
  let health: HealthRecord | null = null;
  try {
    const checked = await checkLiveInWorker({ path: database, full: false });
    health = { ...checked, checkedAt: ctx.clock().toISOString(), full: false };
    if (!checked.ok) log.error(`The restored database failed its check: ${checked.reason}`);
  } catch (error) {
    log.warning(`The restored database could not be checked: ${describeError(error)}`);
  } finally {
    if (!ctx.db) handle.close();
  }
  const kept = safety ? `; safety backup: ${safety.name}` : "";
  log.info(`${label} from ${record.name}${who} completed${kept}`);
  // Old safety backups go now (only those: a restore is no reason to rotate other backups out),
  // never the backup that was just restored.
  await ctx.folder.applyRetentionQuietly(options.retention, {
    protect: new Set([record.name]),
    kinds: new Set(["pre_restore"]),
  });
  return { result: { restoredFrom: record.name, safetyBackup: safety?.name ?? null }, health };
}

/**
 * The file swap; a failure reopens what is in place (old before the rename, restored after it).
 * When the old database stayed, the safety backup made for this attempt is removed again: it
 * holds nothing the database does not, and tries that fail (a file held open by another program)
 * must not pile up copies.
 */
async function swapInto(
  ctx: RestoreContext,
  record: ManifestRecord,
  label: string,
  safety: ManifestRecord | null,
): Promise<void> {
  let swapped = false;
  try {
    await swapDatabaseFile({
      database: ctx.database,
      source: ctx.folder.pathOf(record.name),
      wait: ctx.folder.wait,
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
  } catch (error) {
    // Before the rename the old file is untouched; after it, the restored file is whole, only its
    // folder entry may not be on disk yet. Either way the app goes on with the file in place.
    reopenQuietly(ctx, swapped);
    if (!swapped && safety) await dropSafetyBackup(ctx, safety);
    const state = swapped ? "the restored database is in place" : "the database was left as it was";
    throw labelFailure(`${label} from ${record.name} failed (${state})`, error);
  }
}

async function dropSafetyBackup(ctx: RestoreContext, safety: ManifestRecord): Promise<void> {
  try {
    await ctx.folder.remove(safety, null);
  } catch (error) {
    ctx.log.warning(
      `The safety backup ${safety.name} of a restore that did not happen stays: ${describeError(error)}`,
    );
  }
}

function reopenQuietly(ctx: RestoreContext, restored: boolean): void {
  try {
    if (!restored) ctx.db?.open();
    else if (!ctx.db) openRestored(ctx).close();
    else openRestored(ctx);
  } catch (error) {
    ctx.log.error(`Reopening the database failed: ${describeError(error)}`);
  }
}

function reopenRestored(ctx: RestoreContext, label: string, record: ManifestRecord): DatabaseHandle {
  try {
    return openRestored(ctx);
  } catch (error) {
    const unusable = new RestoredDatabaseUnusableError(describeError(error));
    for (const listener of ctx.events.unusable) listener(unusable.reason);
    throw labelFailure(`${label} from ${record.name}`, unusable);
  }
}

/**
 * Opens the restored file, runs migrations forward, then the restore hooks, and returns the open
 * connection: the app's own, or offline (command line) a new one the caller closes.
 */
function openRestored(ctx: RestoreContext): DatabaseHandle {
  const handle = ctx.db ?? new DatabaseHandle(ctx.database);
  handle.open();
  try {
    for (const hook of ctx.events.restored) hook(handle);
  } catch (error) {
    // A hook that failed may have left old sessions alive: better no database than that.
    handle.close();
    throw error;
  }
  return handle;
}
