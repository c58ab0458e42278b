import { chmodSync, constants, copyFileSync, rmSync, writeFileSync } from "node:fs";
import { copyDatabase } from "#runtime/sqlite.ts";
import { openSqlite } from "../../db/connect.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { setRollbackJournalMode } from "./journal-header.ts";

/**
 * Writes a consistent snapshot of the live database to `target` (which must not exist) through
 * a read-only connection: one committed state, while the app keeps writing (`copyDatabase`:
 * `VACUUM INTO` under Bun, SQLite's online backup under Deno). The result is a rollback-journal
 * SQLite file, owner-only, not yet flushed: the caller flushes it while its check and hash read
 * it. Slow on a large database: the engine runs it in the worker thread.
 *
 * With `salvage` (a pre-restore copy of a damaged database), what the copy cannot read is
 * still kept: the pages as they are (`serialize()`, WAL included), or failing that the raw file.
 * Without it, throws SQLite's error and leaves no `target` behind.
 */
export async function snapshotDatabase(
  source: string,
  target: string,
  options: { salvage: boolean },
): Promise<void> {
  let db: SqlDatabase | null = null;
  try {
    db = openSqlite(source, { readonly: true });
    // `VACUUM INTO` writes with this connection's `synchronous`: not flushed here, where the
    // flush would wait alone, but by the caller beside the file's check and hash.
    db.run("PRAGMA synchronous = OFF");
    await copyDatabase(db, target);
    // A page-by-page copy of a WAL database keeps its header's "WAL".
    setRollbackJournalMode(target);
  } catch (error) {
    rmSync(target, { force: true });
    if (!options.salvage) throw error;
    salvageCopy(db, source, target);
  } finally {
    db?.close();
  }
  if (process.platform !== "win32") chmodSync(target, 0o600);
}

/**
 * Copies `source` to `target` (which must not exist), owner-only, with the file system's own copy
 * (copy_file_range, or a clone where the disk can), not flushed. Slow for a large file and
 * blocking: the engine runs it in the worker thread.
 */
export function copyFileWhole(source: string, target: string): void {
  copyFileSync(source, target, constants.COPYFILE_EXCL);
  if (process.platform !== "win32") chmodSync(target, 0o600);
}

function salvageCopy(db: SqlDatabase | null, source: string, target: string): void {
  if (db) {
    try {
      const bytes = db.serialize();
      // A serialized WAL database still says "WAL" in its header; a backup is a rollback-journal file.
      bytes[18] = 1;
      bytes[19] = 1;
      writeFileSync(target, bytes, { mode: 0o600, flag: "wx" });
      return;
    } catch {
      rmSync(target, { force: true });
    }
  }
  copyFileSync(source, target, constants.COPYFILE_EXCL);
}
