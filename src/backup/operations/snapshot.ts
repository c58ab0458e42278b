import { existsSync, rmSync } from "node:fs";
import { isDiskFull } from "#runtime/errors.ts";
import { describeError } from "../../lib/errors.ts";
import { fsyncFileAsync } from "../../lib/files/fs-sync.ts";
import { tempNameFor } from "../../lib/files/temp-name.ts";
import { formatBytes } from "../../lib/format.ts";
import { sha256File } from "../../lib/hash.ts";
import { keepPreviousStartup } from "../catalog/arrivals.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";
import { applyRetention } from "../catalog/removals.ts";
import type { RetentionLimits } from "../catalog/retention.ts";
import { snapshotBytes } from "../catalog/snapshot-size.ts";
import { databaseBytes, spaceNeeded, spaceNeededKeepingRoom } from "../catalog/space.ts";
import type { CreateBackupRequest, EngineContext, HealthRecord } from "../context.ts";
import {
  DatabaseDamagedError,
  DiskFullError,
  NoRoomForAutomaticBackupError,
  NotEnoughSpaceError,
  OperationAbandonedError,
  SnapshotFailedError,
} from "../errors.ts";
import type { CheckResult } from "../inspect/checks.ts";
import { checkLiveInWorker, snapshotCheckedInWorker } from "../inspect/worker-client.ts";
import { type FollowUps, tidyAndCheckLater } from "./follow-ups.ts";

/** A new backup, and the live database's health as taking it showed. */
export interface TakenBackup {
  record: ManifestRecord;
  liveHealth: HealthRecord;
}

/**
 * Takes a verified backup of the live database: the folder writable, room on the disk (for a
 * manual backup, room for the next automatic one too), the snapshot in the worker under a hidden
 * temporary name, then its `quick_check` (in the worker), its SHA-256 (here) and its flush side by
 * side, renamed, the folder flushed, the manifest updated and `retention` applied (unless null).
 * The live database is checked only when its copy fails (a copy that passes its check is read
 * whole from it); damage found there is `DatabaseDamagedError`, which carries the health found.
 * Guarantees: the new file appears under its final name only complete, flushed and checked;
 * nothing is left behind on failure. With `salvage` (a pre-restore copy) a damaged database is
 * still copied, and the copy kept and marked damaged.
 */
export async function takeBackup(
  ctx: EngineContext,
  request: CreateBackupRequest,
  options: { salvage: boolean; retention: RetentionLimits | null },
): Promise<TakenBackup> {
  const started = performance.now();
  const at = ctx.folder.datedNow(ctx.clock());
  ctx.folder.ensureWritable();
  if (!existsSync(ctx.database)) throw new SnapshotFailedError(`there is no database at ${ctx.database}`);
  // Room for the files as they are (a safe bound); progress against what the snapshot will write.
  const bound = databaseBytes(ctx.database);
  const needed = spaceNeeded(bound);
  const free = ctx.freeSpace(ctx.folder.dir);
  if (free < needed) throw new NotEnoughSpaceError(needed, free);
  if (request.kind === "manual" && free < spaceNeededKeepingRoom(bound)) {
    throw new NoRoomForAutomaticBackupError(spaceNeededKeepingRoom(bound), free);
  }
  const expected = snapshotBytes(ctx.database);

  const name = ctx.folder.newName(request.kind, at, request.description);
  const temp = ctx.folder.pathOf(tempNameFor(name, "snapshot"));
  ctx.operations.show({
    action: "backup",
    kind: request.kind,
    name,
    startedAt: at.toISOString(),
    bytesExpected: expected,
    temp,
  });
  try {
    const { size, check, sha256, databaseId } = await writeSnapshot(ctx, temp, options.salvage);
    const liveHealth = check.ok ? healthOf({ ok: true, reason: null }, at) : await checkSource(ctx, at);
    const damaged = !check.ok || !liveHealth.ok;
    // Only a copy of a database that is itself damaged may be kept damaged (it may hold data
    // to salvage); a bad copy of a healthy database is a failed backup, whatever its purpose.
    // A database another program holds locked could not be checked: that is no damage.
    if (liveHealth.busy)
      throw new SnapshotFailedError("another program holds the database locked; try again when it lets go");
    if (damaged && !liveHealth.ok && !options.salvage) throw new DatabaseDamagedError(liveHealth);
    if (damaged && liveHealth.ok)
      throw new SnapshotFailedError(`the new backup failed its check (${check.reason}); it was not kept`);
    // The startup backup before is kept under its own time; the new one takes the slot's name.
    if (request.kind === "startup") await keepPreviousStartup(ctx.folder);
    await ctx.folder.replace(temp, name);
    const record: ManifestRecord = {
      name,
      kind: request.kind,
      createdAt: at.toISOString(),
      size,
      description: request.description ?? "",
      createdBy: request.createdBy ?? null,
      health: damaged ? "damaged" : "verified",
      sha256,
      checkedAt: at.toISOString(),
      reason: damaged ? (liveHealth.reason ?? check.reason) : null,
      sourceDamaged: !liveHealth.ok,
      origin: "snapshot",
      databaseId: databaseId ?? ctx.db?.identity ?? null,
      dataAt: at.toISOString(),
    };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const by = request.createdBy ? `, by ${request.createdBy}` : "";
    const note = damaged ? " — the database was damaged, so this copy is marked damaged" : "";
    ctx.log.info(`Database backup created: ${name} (${formatBytes(size)} in ${seconds} s${by})${note}`);
    // The backup exists from the rename on: bookkeeping that fails now is a warning, not a failure.
    try {
      await ctx.folder.update((records) => records.set(name, record));
      if (!damaged && options.retention)
        await applyRetention(ctx.folder, { limits: options.retention, facts: ctx.retentionFacts() });
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

function healthOf(check: CheckResult, at: Date): HealthRecord {
  return { ...check, checkedAt: at.toISOString(), full: false };
}

/** The live database's own `quick_check`, when its copy failed: damage of its own, or a bad copy? */
async function checkSource(ctx: EngineContext, at: Date): Promise<HealthRecord> {
  return healthOf(await checkLiveInWorker({ path: ctx.database, full: false }), at);
}

/**
 * The snapshot in the worker, then its `quick_check` there, while this thread hashes the written
 * file and flushes it: all three read or write the same pages, side by side rather than one after
 * another. The app's own connection takes no automatic checkpoint meanwhile (its flush would wait
 * behind the snapshot's writes). A failure is the disk's, or the database's own damage (then
 * `DatabaseDamagedError`), or the snapshot's.
 */
async function writeSnapshot(
  ctx: EngineContext,
  temp: string,
  salvage: boolean,
): Promise<{ size: number; check: CheckResult; sha256: string; databaseId: string | null }> {
  let hashed: Promise<string> | null = null;
  ctx.db?.pauseCheckpoints();
  try {
    const written = await snapshotCheckedInWorker({ source: ctx.database, target: temp, salvage }, () => {
      hashed = Promise.all([sha256File(temp), fsyncFileAsync(temp)]).then(([sha256]) => sha256);
    });
    if (!hashed) throw new Error("the snapshot was not reported written");
    const sha256 = await (hashed as Promise<string>);
    return { size: written.size, check: written.check, sha256, databaseId: written.databaseId };
  } catch (error) {
    (hashed as Promise<unknown> | null)?.catch(() => {});
    if (error instanceof OperationAbandonedError) throw error;
    if (isDiskFull(error)) throw new DiskFullError();
    const live = await checkSource(ctx, ctx.clock());
    if (!live.ok) throw new DatabaseDamagedError(live);
    throw new SnapshotFailedError(`the snapshot could not be written (${describeError(error)})`);
  } finally {
    ctx.db?.resumeCheckpoints();
  }
}

/**
 * A backup of the live database, whole: `takeBackup` (a crash leaves no backup or a whole one),
 * the database's health as the snapshot found it (also when it found it damaged), then retention
 * — beside a serving app (`followUps`) in the background with the new backup's full check, at
 * the command line at once. Call it holding the operation lock.
 */
export async function backupLive(
  ctx: EngineContext,
  request: CreateBackupRequest,
  options: {
    retention: () => RetentionLimits;
    followUps: FollowUps | null;
    setHealth: (health: HealthRecord) => void;
  },
): Promise<ManifestRecord> {
  const { followUps } = options;
  try {
    const retention = followUps ? null : options.retention();
    const taken = await takeBackup(ctx, request, { salvage: false, retention });
    options.setHealth(taken.liveHealth);
    if (followUps && taken.record.health === "verified")
      tidyAndCheckLater(followUps, ctx, taken.record, options.retention);
    return taken.record;
  } catch (error) {
    if (error instanceof DatabaseDamagedError) options.setHealth(error.health);
    throw error;
  }
}
