import { statfsSync, statSync } from "node:fs";

/** The size of the database at `path` with its WAL: what a backup of it copies. */
export function databaseBytes(path: string): number {
  return fileSize(path) + fileSize(`${path}-wal`);
}

/** Room kept free beyond the backup itself: 5% of it, at least 16 MiB. */
export function spaceNeeded(bytes: number): number {
  return bytes + Math.max(16 * 1024 * 1024, Math.ceil(bytes * 0.05));
}

/**
 * Free space a manual backup of `bytes` needs: its own room and, once it is written, still the
 * room of the next automatic backup of the same database. Manual backups never take the space
 * that automatic ones need.
 */
export function spaceNeededKeepingRoom(bytes: number): number {
  return 2 * spaceNeeded(bytes);
}

/** Free bytes for an unprivileged writer on the disk that holds `dir`. */
export function freeSpaceOf(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Free bytes where `dir` lives, or null when it cannot be told (the folder is missing). */
export function freeBytesWhere(freeSpace: (dir: string) => number, dir: string): number | null {
  try {
    return freeSpace(dir);
  } catch {
    return null;
  }
}
