import { copyFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, fsyncFile } from "../lib/fs-sync.ts";
import { type SharingWait, whileInUse } from "../lib/sharing.ts";

export const RESTORE_STEPS = ["copy", "flush-copy", "remove-wal", "rename", "flush-folder"] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

/** The temporary copy a restore makes beside the database; a leftover of a crash is deleted at start. */
export function restoreTempPath(database: string): string {
  return `${database}.restore-tmp`;
}

/**
 * Puts `source` in place of the (closed) database file so that a crash at any moment leaves the
 * database either entirely old or entirely the source: copy beside it, flush the copy, remove the
 * stale -wal/-shm (the old database was checkpointed into its file when it was closed), rename
 * over, flush the folder. `beforeStep` lets tests inject a failure at each step. Removing the
 * -wal/-shm and the rename wait (`wait`) for another program that holds them open; then
 * `FileInUseError`.
 *
 * Throws if a step fails or `checkCopy` refuses the copy; before `rename` the old database is untouched.
 */
export async function swapDatabaseFile(options: {
  database: string;
  source: string;
  wait: SharingWait;
  beforeStep?: (step: RestoreStep) => void;
  /** Judges the flushed copy, the very bytes that will be renamed in; throws to refuse them. */
  checkCopy?: (copy: string) => void;
}): Promise<void> {
  const { database, source } = options;
  const step = options.beforeStep ?? (() => {});
  const temp = restoreTempPath(database);
  try {
    step("copy");
    rmSync(temp, { force: true });
    copyFileSync(source, temp);
    step("flush-copy");
    fsyncFile(temp);
    options.checkCopy?.(temp);
    step("remove-wal");
    for (const side of [`${database}-wal`, `${database}-shm`])
      await whileInUse(side, () => rmSync(side, { force: true }), options.wait);
    step("rename");
    await whileInUse(database, () => renameSync(temp, database), options.wait);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  step("flush-folder");
  fsyncDir(dirname(database));
}
