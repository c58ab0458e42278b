import { closeSync, openSync, readSync, writeSync } from "node:fs";

const MAGIC = "SQLite format 3\u0000";
/** Header bytes 18 and 19: the file format's write and read versions, 1 = rollback journal, 2 = WAL. */
const VERSION_OFFSET = 18;
const WAL = 2;
const ROLLBACK = 1;

/**
 * Rewrites an SQLite file's header from WAL mode to rollback-journal mode (bytes 18 and 19 from
 * 2 to 1); the caller flushes the file before it renames it into place. A backup is one self-contained file: a WAL-mode one would make every tool
 * that opens it, even to read, create `-wal` and `-shm` files beside it (or fail where it may
 * not), and would go back into WAL mode wherever it is restored from. The pages are the same in
 * both modes, so nothing else changes. Returns true when the file was rewritten; a file that is
 * not SQLite or not in WAL mode is left untouched (the check that follows judges it).
 */
export function setRollbackJournalMode(path: string): boolean {
  const fd = openSync(path, "r+");
  try {
    const header = new Uint8Array(VERSION_OFFSET + 2);
    const read = readSync(fd, header, 0, header.length, 0);
    if (read < header.length || new TextDecoder().decode(header.subarray(0, MAGIC.length)) !== MAGIC) {
      return false;
    }
    if (header[VERSION_OFFSET] !== WAL && header[VERSION_OFFSET + 1] !== WAL) return false;
    writeSync(fd, new Uint8Array([ROLLBACK, ROLLBACK]), 0, 2, VERSION_OFFSET);
  } finally {
    closeSync(fd);
  }
  return true;
}
