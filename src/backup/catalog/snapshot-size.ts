import { closeSync, openSync, readSync } from "node:fs";
import { fileSize } from "./space.ts";

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** `length` bytes of the open file `fd` at `offset`, or null when the file is shorter. */
function readAt(fd: number, offset: number, length: number): Buffer | null {
  const buffer = Buffer.alloc(length);
  return readSync(fd, buffer, 0, length, offset) === length ? buffer : null;
}

/** The database's page size from its header (1 stands for 65536), or null for no SQLite file. */
function pageSizeOf(header: Buffer): number | null {
  if (header.toString("latin1", 0, 16) !== "SQLite format 3\u0000") return null;
  const size = header.readUInt16BE(16);
  return size === 1 ? 65536 : size;
}

/**
 * The pages of the newest committed state in the write-ahead log, and the newest page 1 in it (for
 * the free page count), or null when the log holds no commit. Frames whose salt is not the log's
 * belong to an earlier round of the log and are skipped; the loop is bounded by the log's size.
 */
function walState(walPath: string, pageSize: number): { pages: number; page1: Buffer | null } | null {
  const size = fileSize(walPath);
  const frame = FRAME_HEADER + pageSize;
  if (size < WAL_HEADER + frame) return null;
  const fd = openSync(walPath, "r");
  try {
    const header = readAt(fd, 0, WAL_HEADER);
    if (!header || header.readUInt32BE(8) !== pageSize) return null;
    const salt = header.subarray(16, 24);
    let pages: number | null = null;
    let page1At: number | null = null;
    let pending: number | null = null;
    const frames = Math.floor((size - WAL_HEADER) / frame);
    for (let i = 0; i < frames; i++) {
      const at = WAL_HEADER + i * frame;
      const head = readAt(fd, at, FRAME_HEADER);
      if (!head?.subarray(8, 16).equals(salt)) break;
      if (head.readUInt32BE(0) === 1) pending = at + FRAME_HEADER;
      const commit = head.readUInt32BE(4);
      if (commit > 0) {
        pages = commit;
        if (pending !== null) page1At = pending;
        pending = null;
      }
    }
    if (pages === null) return null;
    return { pages, page1: page1At === null ? null : readAt(fd, page1At, 100) };
  } finally {
    closeSync(fd);
  }
}

/**
 * About how many bytes a snapshot of the database at `path` writes: its pages in use (the newest
 * committed state, its write-ahead log included, less the free pages), not the database file and
 * its log added up — the log holds copies of the same pages, often many times over. Never more
 * than the two files together; those when the file cannot be read as SQLite.
 */
export function snapshotBytes(path: string): number {
  const files = fileSize(path) + fileSize(`${path}-wal`);
  try {
    const fd = openSync(path, "r");
    let header: Buffer | null;
    try {
      header = readAt(fd, 0, 100);
    } finally {
      closeSync(fd);
    }
    const pageSize = header ? pageSizeOf(header) : null;
    if (!header || !pageSize) return files;
    const wal = walState(`${path}-wal`, pageSize);
    const page1 = wal?.page1 ?? header;
    const pages = wal?.pages ?? header.readUInt32BE(28);
    const free = page1.readUInt32BE(36);
    const inUse = Math.max(1, pages - Math.min(free, pages - 1)) * pageSize;
    return Math.min(files, inUse);
  } catch {
    return files;
  }
}
