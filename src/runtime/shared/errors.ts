/**
 * True for the ways the file system and SQLite say "the disk is full": the codes node:fs and
 * bun:sqlite give (also on an error rebuilt after crossing a worker boundary), and their
 * messages for an error that lost its code.
 */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOSPC" || code === "SQLITE_FULL") return true;
  const message = error instanceof Error ? error.message : String(error);
  return /ENOSPC|SQLITE_FULL|disk is full|no space left/i.test(message);
}
