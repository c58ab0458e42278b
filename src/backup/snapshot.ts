import { existsSync, renameSync, rmSync } from "node:fs";
import { isDiskFull } from "#runtime/errors.ts";
import { describeError } from "../lib/errors.ts";
import { formatBytes } from "../lib/format.ts";
import { fsyncDir } from "../lib/fs-sync.ts";
import { whileInUse } from "../lib/sharing.ts";
import {
  DatabaseDamagedError,
  DiskFullError,
  NoRoomForAutomaticBackupError,
  NotEnoughSpaceError,
  OperationAbandonedError,
  SnapshotFailedError,
} from "./errors.ts";
import type { ManifestRecord } from "./manifest.ts";
import { backupFileName, STARTUP_NAME, uniqueName } from "./names.ts";
import type { RetentionLimits } from "./retention.ts";
import { fileSize, spaceNeeded, spaceNeededKeepingRoom } from "./space.ts";
import type { CreateBackupRequest, EngineContext, HealthRecord } from "./types.ts";
import { checkLiveInWorker, snapshotInWorker } from "./worker-client.ts";

/** A new backup, and the live database's health found on the way (null when it was not checked). */
export interface TakenBackup {
  record: ManifestRecord;
  liveHealth: HealthRecord;
}

/**
 * Takes a verified backup of the live database: the folder writable, room on the disk (for a
 * manual backup, room for the next automatic one too), the database passing `quick_check`
 * (unless `salvage`), then the snapshot in the worker under a hidden temporary name, checked
 * and hashed, renamed, the folder flushed, the manifest updated and `retention` applied (unless
 * null). Guarantees: the new file appears under its final name only complete, flushed and
 * checked; nothing is left behind on failure. With `salvage` (a pre-restore copy) a damaged
 * database is still copied, and the copy kept and marked damaged. A damaged live database
 * without `salvage` is `DatabaseDamagedError`, which carries the health found.
 */
export async function takeBackup(
  ctx: EngineContext,
  request: CreateBackupRequest,
  options: { salvage: boolean; retention: RetentionLimits | null },
): Promise<TakenBackup> {
  const started = performance.now();
  const at = ctx.clock();
  ctx.folder.ensureWritable();
  if (!existsSync(ctx.database)) throw new SnapshotFailedError(`there is no database at ${ctx.database}`);
  const expected = fileSize(ctx.database) + fileSize(`${ctx.database}-wal`);
  const needed = spaceNeeded(expected);
  const free = ctx.freeSpace(ctx.folder.dir);
  if (free < needed) throw new NotEnoughSpaceError(needed, free);
  if (request.kind === "manual" && free < spaceNeededKeepingRoom(expected)) {
    throw new NoRoomForAutomaticBackupError(spaceNeededKeepingRoom(expected), free);
  }

  const existing = ctx.folder.names();
  const name =
    request.kind === "startup"
      ? STARTUP_NAME
      : uniqueName(backupFileName(request.kind, at, request.description ?? ""), (n) => existing.has(n));
  const temp = ctx.folder.pathOf(`.${name}.${process.pid}.tmp`);
  ctx.operations.show({
    action: "backup",
    kind: request.kind,
    name,
    startedAt: at.toISOString(),
    bytesExpected: expected,
    temp,
  });
  try {
    // Checked once the operation is shown, so the page reports the backup from its first moment.
    const live = await checkLiveInWorker({ path: ctx.database, full: false });
    const liveHealth: HealthRecord = { ...live, checkedAt: at.toISOString(), full: false };
    if (!live.ok && !options.salvage) throw new DatabaseDamagedError(liveHealth);
    let result: Awaited<ReturnType<typeof snapshotInWorker>>;
    const db = ctx.db;
    db?.pauseCheckpoints();
    try {
      result = await snapshotInWorker({ source: ctx.database, target: temp, salvage: options.salvage });
    } catch (error) {
      if (error instanceof OperationAbandonedError) throw error;
      if (isDiskFull(error)) throw new DiskFullError();
      throw new SnapshotFailedError(`the snapshot could not be written (${describeError(error)})`);
    } finally {
      db?.resumeCheckpoints();
    }
    const damaged = !result.check.ok || !live.ok;
    // Only a copy of a database that is itself damaged may be kept damaged (it may hold data
    // to salvage); a bad copy of a healthy database is a failed backup, whatever its purpose.
    if (damaged && (!options.salvage || live.ok)) {
      throw new SnapshotFailedError(
        `the new backup failed its check (${result.check.reason}); it was not kept`,
      );
    }
    // A startup backup replaces the one before it, which another program may hold open for a while.
    const target = ctx.folder.pathOf(name);
    await whileInUse(target, () => renameSync(temp, target), ctx.folder.wait);
    fsyncDir(ctx.folder.dir);
    const record: ManifestRecord = {
      name,
      kind: request.kind,
      createdAt: at.toISOString(),
      size: result.size,
      description: request.description ?? "",
      createdBy: request.createdBy ?? null,
      health: damaged ? "damaged" : "verified",
      sha256: result.sha256,
      checkedAt: at.toISOString(),
      reason: damaged ? (live.reason ?? result.check.reason) : null,
      sourceDamaged: !live.ok,
    };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const by = request.createdBy ? `, by ${request.createdBy}` : "";
    const note = damaged ? " — the database was damaged, so this copy is marked damaged" : "";
    ctx.log.info(
      `Database backup created: ${name} (${formatBytes(result.size)} in ${seconds} s${by})${note}`,
    );
    // The backup exists from the rename on: bookkeeping that fails now is a warning, not a failure.
    try {
      await ctx.folder.update((records) => records.set(name, record));
      if (!damaged && options.retention) await ctx.folder.applyRetention(options.retention);
    } catch (error) {
      ctx.log.warning(`Backup ${name} was made, but its bookkeeping failed: ${describeError(error)}`);
    }
    return { record, liveHealth };
  } finally {
    // With SQLite's journal, when the snapshot was abandoned in the middle.
    for (const file of [temp, `${temp}-journal`]) rmSync(file, { force: true });
    ctx.operations.show(null);
  }
}
