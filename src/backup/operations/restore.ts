import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseHandle } from "../../db/handle.ts";
import { describeError } from "../../lib/errors.ts";
import { sha256File } from "../../lib/hash.ts";
import { restoreTempPath } from "../catalog/leftovers.ts";
import { type ManifestRecord, restoresByCopy } from "../catalog/manifest.ts";
import { spaceNeeded } from "../catalog/space.ts";
import type { EngineContext, RestoreResult, RestoreStep, RunningOperation } from "../context.ts";
import {
  BackupUnusableError,
  NotEnoughSpaceError,
  RestoredDatabaseUnusableError,
  rebuildFailure,
} from "../errors.ts";
import { checkAppSchema, checkSchemaTrust } from "../inspect/trust.ts";
import type { RestoreSource } from "./restore-choice.ts";
import type { RestoreEvents } from "./restore-events.ts";
import { labelFailure } from "./runner.ts";
import { dropSafety, finishSafety, type KeptSafety, keepSafety, noteRestoredIdentity } from "./safety.ts";
import { prepareCopy, swapDatabaseFile } from "./swap.ts";

export { type RestoredHook, RestoreEvents } from "./restore-events.ts";

/** What a restore needs beyond the engine's shared context. */
export interface RestoreContext extends EngineContext {
  events: RestoreEvents;
  beforeStep?: ((step: RestoreStep) => void) | undefined;
}

export interface RestoreOutcome {
  result: RestoreResult;
  /** The safety backup when it still needs its check (a linked one is listed unchecked). */
  unchecked: ManifestRecord | null;
  /** The command line's own connection to the restored database, still open; null for the app's. */
  handle: DatabaseHandle | null;
  /** The restored file is byte for byte what passed the backup's full check (copied, not rebuilt). */
  asChecked: boolean;
}

/**
 * Replaces the database with `record`, a backup whose fully checked bytes hash to
 * `checkedSha256`. While the app still serves: the backup copied beside the database, hashed as
 * it is written (a copy that hashes otherwise is refused: the file changed since its check),
 * flushed and judged by the trust rule. Then every write is held back (the connection closed
 * after a complete checkpoint), the replaced database kept as the safety backup (`keepSafety`:
 * a hard link, no copy), the copy renamed in (`swapDatabaseFile`), the database reopened in
 * place with migrations run forward and the restore hooks run (every session ends). Guarantees:
 * a failure before the swap's rename leaves the old database in place and open, with no safety
 * backup left over; a crash at any moment leaves it entirely old or entirely restored. Throws
 * `RestoredDatabaseUnusableError` when the restored file will not open. The restored database's
 * health and the safety backup are checked by the caller, after the app answers again.
 */
export async function restoreDatabase(
  ctx: RestoreContext,
  record: ManifestRecord,
  options: { by: string | null; label: string; checkedSha256: string; build?: RestoreSource["build"] },
): Promise<RestoreOutcome> {
  const { by, label } = options;
  const { db, log, database } = ctx;
  const who = by ? ` by ${by}` : "";
  const untouched = `${label} failed, nothing was restored`;
  log.info(`${label} started from ${record.name}${who}`);
  // The database's folder: on a new PC there is no database file yet.
  const free = ctx.freeSpace(dirname(database));
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
  let asChecked = false;
  try {
    if (options.build) {
      await options.build(restoreTempPath(database));
      asChecked = true;
    } else asChecked = await copyBeside(ctx, record, options.checkedSha256);
  } catch (error) {
    discardCopy(ctx);
    throw labelFailure(untouched, error);
  }
  // From here on every write is held back (requests get 503), so the safety backup holds exactly
  // the data that the restore replaces. The close fully checkpoints the WAL or refuses.
  let safety: KeptSafety | null = null;
  try {
    ctx.beforeStep?.("close");
    if (db?.isOpen) db.close({ requireCheckpoint: true });
    safety = await keepSafety(ctx, by, ctx.beforeStep).catch((error) => {
      throw labelFailure(`${untouched}: the safety backup failed`, error);
    });
  } catch (error) {
    reopenQuietly(ctx, false);
    discardCopy(ctx);
    throw labelFailure(untouched, error);
  }
  ctx.operations.show(operation);
  await swapInto(ctx, record, label, safety);
  const handle = await reopenRestored(ctx, label, record, safety);
  ctx.beforeStep?.("answer");
  let unchecked: ManifestRecord | null = null;
  let safetyName: string | null = safety?.how === "copied" ? safety.record.name : null;
  if (safety?.how === "copied") {
    await noteRestoredIdentity(ctx, safety.record.name).catch((error) => {
      log.warning(
        `The safety backup ${safety.record.name} could not be told what replaced it: ${describeError(error)}`,
      );
    });
  } else if (safety?.how === "linked") {
    try {
      unchecked = await finishSafety(ctx, safety, by);
      safetyName = unchecked.name;
    } catch (error) {
      // The restore is done; a link left behind is settled at the next start.
      log.warning(`The safety backup ${safety.name} could not be put in place yet: ${describeError(error)}`);
    }
  }
  const kept = safetyName ? `; safety backup: ${safetyName}` : "";
  log.info(`${label} from ${record.name}${who} completed${kept}`);
  return {
    result: { restoredFrom: record.name, safetyBackup: safetyName },
    unchecked,
    handle: ctx.db ? null : handle,
    asChecked,
  };
}

/**
 * The backup copied beside the database and proven: a file the app made itself is copied, and the
 * copy must hash as the fully checked bytes did; any other file is rebuilt (`rebuildDatabase`)
 * from the checked bytes (the backup must still hash as checked afterwards). Either way the
 * result passes the trust rule. A copy that hashes otherwise is refused (`BackupUnusableError`)
 * — and the backup itself listed damaged when it is the backup that changed since its check, not
 * the copy. The app serves meanwhile. Returns true when the copy is the checked bytes themselves.
 */
async function copyBeside(
  ctx: RestoreContext,
  record: ManifestRecord,
  checkedSha256: string,
): Promise<boolean> {
  const source = ctx.folder.pathOf(record.name);
  const rebuild = !restoresByCopy(record);
  const sha256 = await prepareCopy({
    database: ctx.database,
    source,
    rebuild,
    beforeStep: ctx.beforeStep,
  }).catch((error) => {
    throw rebuild ? rebuildFailure(record.name, error) : error;
  });
  let reason: string | null = null;
  const sourceUnchanged = rebuild ? (await sha256File(source)) === checkedSha256 : sha256 === checkedSha256;
  if (sourceUnchanged) {
    const trust = checkAppSchema(restoreTempPath(ctx.database));
    if (!trust.ok) reason = trust.reason ?? "it failed its check";
  } else if (!rebuild && (await sha256File(source)) === checkedSha256) {
    reason = "its copy beside the database came out different from it (SHA-256 differs); try again";
  } else {
    reason = "its content changed after it was checked (SHA-256 differs), so it may be damaged";
    await ctx.folder.update((records) =>
      records.set(record.name, { ...record, health: "damaged", reason, fullCheck: null }),
    );
  }
  if (reason === null) return !rebuild;
  discardCopy(ctx);
  throw new BackupUnusableError(record.name, reason);
}

function discardCopy(ctx: RestoreContext): void {
  rmSync(restoreTempPath(ctx.database), { force: true });
}

/**
 * The file swap; a failure reopens what is in place (old before the rename, restored after it).
 * When the old database stayed, the safety backup kept for this attempt goes again: it holds
 * nothing the database does not, and tries that fail (a file held open by another program) must
 * not pile up copies.
 */
async function swapInto(
  ctx: RestoreContext,
  record: ManifestRecord,
  label: string,
  safety: KeptSafety | null,
): Promise<void> {
  let swapped = false;
  try {
    await swapDatabaseFile({
      database: ctx.database,
      wait: ctx.folder.wait,
      beforeStep: (step) => {
        if (step === "flush-folder") swapped = true;
        ctx.beforeStep?.(step);
      },
    });
  } catch (error) {
    // Before the rename the old file is untouched; after it, the restored file is whole, only its
    // folder entry may not be on disk yet. Either way the app goes on with the file in place.
    reopenQuietly(ctx, swapped);
    if (!swapped && safety) await dropSafetyQuietly(ctx, safety);
    const state = swapped ? "the restored database is in place" : "the database was left as it was";
    throw labelFailure(`${label} from ${record.name} failed (${state})`, error);
  }
}

async function dropSafetyQuietly(ctx: RestoreContext, safety: KeptSafety): Promise<void> {
  try {
    await dropSafety(ctx, safety);
  } catch (error) {
    ctx.log.warning(`The safety backup of a restore that did not happen stays: ${describeError(error)}`);
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

const PUT_BACK = "the database was put back as it was";

/**
 * Opens the restored database (`openRestored`). When it will not open or fails the trust rule,
 * the swap is undone (`putBack`): the replaced database is put back in place and open, and the
 * restore fails with `BackupUnusableError`. Only when that fails too is the database left closed
 * (`RestoredDatabaseUnusableError`, and the app's recovery mode).
 */
async function reopenRestored(
  ctx: RestoreContext,
  label: string,
  record: ManifestRecord,
  safety: KeptSafety | null,
): Promise<DatabaseHandle> {
  try {
    return openRestored(ctx);
  } catch (error) {
    const why = describeError(error);
    try {
      await putBack(ctx, safety);
    } catch (undo) {
      ctx.log.error(`Putting the replaced database back failed: ${describeError(undo)}`);
      const unusable = new RestoredDatabaseUnusableError(why);
      for (const listener of ctx.events.unusable) listener(unusable.reason);
      throw labelFailure(`${label} from ${record.name}`, unusable);
    }
    const back = new BackupUnusableError(record.name, `the restored database ${why}; ${PUT_BACK}`);
    throw labelFailure(`${label} from ${record.name} failed (${PUT_BACK})`, back);
  }
}

/**
 * Undoes a swap whose result will not open: the replaced database (the safety backup this restore
 * kept) is copied back beside the database and swapped in as a restore does, then opened; the
 * safety backup of this attempt goes again. With no database before (a new PC), the restored file
 * is removed. Throws when that fails.
 */
async function putBack(ctx: RestoreContext, safety: KeptSafety | null): Promise<void> {
  if (!safety) {
    for (const side of ["", "-wal", "-shm"]) rmSync(`${ctx.database}${side}`, { force: true });
    return;
  }
  const source = safety.how === "linked" ? safety.link : ctx.folder.pathOf(safety.record.name);
  await prepareCopy({ database: ctx.database, source });
  await swapDatabaseFile({ database: ctx.database, wait: ctx.folder.wait });
  ctx.db?.open();
  await dropSafetyQuietly(ctx, safety);
}

/**
 * Opens the restored file — judged by the trust rule again first, as it is now in place, before
 * anything runs on it — runs migrations forward, then the restore hooks, and returns the open
 * connection: the app's own, or offline (command line) a new one the caller closes.
 */
function openRestored(ctx: RestoreContext): DatabaseHandle {
  const handle = ctx.db ?? new DatabaseHandle(ctx.database);
  handle.open({
    // A file without an identity (an older version's backup) stays the database it replaced.
    adoptIdentity: handle.identity,
    judge: (sqlite) => {
      const trust = checkSchemaTrust(sqlite, handle.migrations);
      if (!trust.ok) throw new Error(`failed the trust rule once in place (${trust.reason})`);
    },
  });
  try {
    for (const hook of ctx.events.restored) hook(handle);
  } catch (error) {
    // A hook that failed may have left old sessions alive: better no database than that.
    handle.close();
    throw error;
  }
  return handle;
}
