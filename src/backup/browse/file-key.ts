import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { LookError } from "./errors.ts";

/**
 * The identity of a backup file in this process: path, size, modification time and inode. A
 * backup in the folder is never written again, so another identity is another file, judged again.
 */
export function fileKeyOf(path: string): string {
  const stat = statSync(path);
  return `${path}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}`;
}

/** Throws `LookError` (`look.changed`) unless `path` is still the file whose identity is `fileKey`. */
export function sameFile(task: { path: string; fileKey: string }): void {
  if (fileKeyOf(task.path) !== task.fileKey)
    throw new LookError("look.changed", "The backup file changed since it was checked; open it again.");
}

/**
 * The version of the live database's data: what SQLite itself rewrites on every commit, read from
 * outside with plain bounded reads (no connection, no lock). In WAL mode each commit rewrites the
 * wal-index header at the start of the `-shm` file (its change counter `iChange`, the last frame
 * `mxFrame`, the salts and checksums: both 48-byte copies); in rollback-journal mode each commit
 * increments the file change counter in the database header (bytes 24–27, with the size in pages
 * after it). With them the inode and sizes (a file put in place by a restore) and the times.
 * File times alone are not enough: they advance in steps of a few milliseconds, and two commits
 * of the same size within one step left them as they were. One case is told by times and sizes
 * only: a WAL database nobody holds open has no `-shm`, and a connection that opens, commits and
 * closes within one step of the clock between two counts (the app holds its own open while it
 * runs, so there it does not happen). Missing files (no WAL since the last close) count as such.
 */
export function liveVersionOf(database: string): string {
  return [
    fileVersion(database, DB_HEADER_CHANGE),
    fileVersion(`${database}-wal`, null),
    fileVersion(`${database}-shm`, WAL_INDEX_HEADERS),
  ].join("\0");
}

/** The database header's file change counter and size in pages (bytes 24–31). */
const DB_HEADER_CHANGE = { offset: 24, length: 8 };
/**
 * The wal-index header's two copies (bytes 0–95): bounded, so a read never reaches the lock bytes
 * SQLite holds further on (on Windows a locked range cannot be read).
 */
const WAL_INDEX_HEADERS = { offset: 0, length: 96 };

function fileVersion(path: string, bytes: { offset: number; length: number } | null): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "-";
  }
  try {
    const stat = fstatSync(fd);
    let content = "";
    if (bytes) {
      const buffer = Buffer.alloc(bytes.length);
      const read = readSync(fd, buffer, 0, bytes.length, bytes.offset);
      content = buffer.subarray(0, read).toString("hex");
    }
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${content}`;
  } finally {
    closeSync(fd);
  }
}
