import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { EngineContext } from "../context.ts";
import { restoreTempPath } from "../operations/swap.ts";

/** The files SQLite may keep beside a database file while it is open or after a crash. */
const SQLITE_SIDE_FILES = ["-journal", "-wal", "-shm"];
/** The temporary file of an interrupted save of the settings (`writeFileAtomic` beside the database). */
const SETTINGS_TEMP = /^\.business-app\.config\.json\.\d+\.\d+\.tmp$/;

/**
 * Deletes what a crashed backup, upload or restore left behind: hidden `.…tmp` files in the
 * backup folder and their `-journal`/`-wal`/`-shm`, the restore's temporary copy beside the
 * database and its own, an unfinished save of the settings file; each logged. Call it holding the operation lock.
 */
export function removeLeftovers(ctx: Pick<EngineContext, "database" | "folder" | "log">): void {
  const restoreTemp = restoreTempPath(ctx.database);
  const beside = [restoreTemp, ...SQLITE_SIDE_FILES.map((suffix) => `${restoreTemp}${suffix}`)];
  const dataDir = dirname(ctx.database);
  const settings = readdirSync(dataDir)
    .filter((name) => SETTINGS_TEMP.test(name))
    .map((name) => join(dataDir, name));
  for (const file of [...beside.filter((f) => existsSync(f)), ...settings, ...ctx.folder.leftovers()]) {
    rmSync(file, { force: true });
    ctx.log.info(`Removed leftover of an interrupted operation: ${file}`);
  }
}
