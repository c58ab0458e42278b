import { renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, fsyncFileAsync } from "../../lib/files/fs-sync.ts";
import { type SharingWait, whileInUse } from "../../lib/files/sharing.ts";
import { sha256File } from "../../lib/hash.ts";
import { restoreTempPath } from "../catalog/leftovers.ts";
import type { RestoreStep } from "../context.ts";
import { copyFileInWorker, rebuildInWorker } from "../inspect/worker-client.ts";

/**
 * Copies the backup `source` beside the database (the file system's own copy, in the worker) —
 * or, with `rebuild`, rebuilds it there (`rebuildDatabase`, in the worker): a file the app cannot
 * prove it made — then hashes the copy while it is flushed; returns the copy's SHA-256. Runs while
 * the app still serves: the backup does not change and the database is not touched. On failure
 * the copy is removed.
 */
export async function prepareCopy(options: {
  database: string;
  source: string;
  rebuild?: boolean;
  beforeStep?: ((step: RestoreStep) => void) | undefined;
}): Promise<string> {
  const step = options.beforeStep ?? (() => {});
  const temp = restoreTempPath(options.database);
  try {
    step("copy");
    rmSync(temp, { force: true });
    if (options.rebuild) await rebuildInWorker({ source: options.source, target: temp });
    else await copyFileInWorker({ source: options.source, target: temp });
    step("flush-copy");
    const [sha256] = await Promise.all([sha256File(temp), fsyncFileAsync(temp)]);
    return sha256;
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Puts the prepared copy in place of the (closed) database so that a crash at any moment leaves
 * the database either entirely old or entirely the copy: the stale -wal/-shm removed (the old
 * database was checkpointed into its file when it was closed), the copy renamed over, the folder
 * flushed. Removing and renaming wait (`wait`) for another program that holds a file open; then
 * `FileInUseError`. Throws if a step fails; before `rename` the old database is untouched and the
 * copy is gone again. `beforeStep` lets the crash tests stop the process at each step.
 */
export async function swapDatabaseFile(options: {
  database: string;
  wait: SharingWait;
  beforeStep?: ((step: RestoreStep) => void) | undefined;
}): Promise<void> {
  const { database } = options;
  const step = options.beforeStep ?? (() => {});
  const temp = restoreTempPath(database);
  try {
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
