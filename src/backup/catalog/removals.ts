import { unlink } from "node:fs/promises";
import { describeError } from "../../lib/errors.ts";
import { whileInUse } from "../../lib/files/sharing.ts";
import { ProtectedBackupError } from "../errors.ts";
import type { BackupFolder } from "./folder.ts";
import type { ManifestRecord } from "./manifest.ts";
import type { BackupKind } from "./names.ts";
import { planRetention, type RetentionFacts, type RetentionLimits } from "./retention.ts";

/**
 * Backups leaving the folder: one deleted by someone, and what retention removes. Called by the
 * engine while it holds the operation lock.
 */

/**
 * Deletes a backup's file (waiting for a program that holds it; then `FileInUseError`) and its
 * manifest entry, and logs it. Files are deleted off the thread: freeing a large file's space
 * takes the file system a while.
 */
export async function removeBackup(
  folder: BackupFolder,
  record: ManifestRecord,
  by: string | null,
): Promise<void> {
  const path = folder.pathOf(record.name);
  try {
    await whileInUse(path, () => unlink(path), folder.wait);
  } finally {
    folder.forget();
  }
  await folder.update((records) => records.delete(record.name));
  folder.log.info(`Backup deleted: ${record.name}${by ? ` by ${by}` : ""}`);
}

/** Deletes the listed backup `name` as `removeBackup` does, but never the one `kept` names (`ProtectedBackupError`). */
export async function removeUnlessKept(
  folder: BackupFolder,
  name: string,
  by: string | null,
  kept: (listing: ManifestRecord[]) => string | undefined,
): Promise<void> {
  const listing = folder.list();
  const record = folder.find(name, listing);
  if (kept(listing) === record.name) throw new ProtectedBackupError(name);
  await removeBackup(folder, record, by);
}

export interface RetentionRun {
  limits: RetentionLimits;
  facts: RetentionFacts;
  /** Names never removed. */
  protect?: ReadonlySet<string>;
  /** Only backups of these kinds are removed. */
  kinds?: ReadonlySet<BackupKind>;
}

/**
 * Deletes what retention plans (see `planRetention`), optionally only of some kinds, never the
 * protected names; logs each removal as "Removed old backup: NAME". A file another program holds
 * stays, with a WARNING, until the next time retention runs.
 */
export async function applyRetention(folder: BackupFolder, run: RetentionRun): Promise<void> {
  const planned = planRetention(folder.list(), run.limits, run.facts, run.protect);
  let removed = 0;
  for (const record of planned.filter((r) => !run.kinds || run.kinds.has(r.kind))) {
    try {
      await unlink(folder.pathOf(record.name));
      folder.log.info(`Removed old backup: ${record.name}`);
      removed++;
    } catch (error) {
      folder.log.warning(`Could not remove old backup ${record.name}: ${describeError(error)}`);
    }
  }
  // The manifest drops what is gone; with nothing removed it stays as it is.
  if (removed > 0) {
    folder.forget();
    await folder.update(() => {});
  }
}

/** `applyRetention` where a failure must not undo what was done: it is logged as a WARNING. */
export async function applyRetentionQuietly(folder: BackupFolder, run: RetentionRun): Promise<void> {
  try {
    await applyRetention(folder, run);
  } catch (error) {
    folder.log.warning(`Retention failed: ${describeError(error)}`);
  }
}
