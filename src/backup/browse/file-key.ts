import { statSync } from "node:fs";

/**
 * The identity of a backup file in this process: path, size, modification time and inode. A
 * backup in the folder is never written again, so another identity is another file, judged again.
 */
export function fileKeyOf(path: string): string {
  const stat = statSync(path);
  return `${path}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}`;
}

/**
 * The version of the live database's data, as cheaply as it can be told from outside: the sizes
 * and modification times of the file and its WAL. A commit appends to the WAL (or, after a
 * checkpoint, rewrites it from the start: a new time); a checkpoint writes the file. SQLite's
 * `data_version` would tell it exactly but only to a connection kept open, and counting rows
 * would cost what the count it guards costs. The WAL may be missing (no write since it closed).
 */
export function liveVersionOf(database: string): string {
  const part = (path: string) => {
    try {
      const stat = statSync(path);
      return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
    } catch {
      return "-";
    }
  };
  return `${part(database)}\0${part(`${database}-wal`)}`;
}
