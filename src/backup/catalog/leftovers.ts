import { existsSync, rmSync } from "node:fs";
import type { EngineContext } from "../context.ts";

/** The temporary copy a restore makes beside the database; a leftover of a crash is deleted at start. */
export function restoreTempPath(database: string): string {
  return `${database}.restore-tmp`;
}

/** The files SQLite may keep beside a database file while it is open or after a crash. */
const SQLITE_SIDE_FILES = ["-journal", "-wal", "-shm"];

/**
 * Deletes what a crashed backup, upload or restore left behind: hidden `.…tmp` files in the
 * backup folder and their `-journal`/`-wal`/`-shm`, the restore's temporary copy beside the
 * database and its own; each logged (an unfinished save of the settings file is the settings'
 * to remove: `removeSaveLeftovers`). Call it holding the operation lock.
 */
export function removeLeftovers(ctx: Pick<EngineContext, "database" | "folder" | "log">): void {
  const restoreTemp = restoreTempPath(ctx.database);
  const beside = [restoreTemp, ...SQLITE_SIDE_FILES.map((suffix) => `${restoreTemp}${suffix}`)];
  for (const file of [...beside.filter((f) => existsSync(f)), ...ctx.folder.leftovers()]) {
    // A download of a chain from a place is a folder.
    rmSync(file, { force: true, recursive: true });
    ctx.log.info(`Removed leftover of an interrupted operation: ${file}`);
  }
}
