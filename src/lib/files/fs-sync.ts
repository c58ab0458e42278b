import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { type SharingWait, whileInUse } from "./sharing.ts";
import { tempPathFor } from "./temp-name.ts";

/** Flushes a file's content to the disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `fsyncFile` on a thread of the runtime's pool: the calling thread goes on meanwhile. */
export async function fsyncFileAsync(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a folder's entries (a rename or a new file) to the disk. Windows cannot open a
 * folder as a file and commits renames through its own journal, so there it does nothing.
 */
export function fsyncDir(path: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` so that after a crash the file holds either the old or the new
 * content, never a mix: write a temporary file beside it, flush it, rename it over (waiting, as
 * `whileInUse`, for another program that holds the file), flush the folder. Owner-only by default.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { wait: SharingWait; mode?: number },
): Promise<void> {
  const temp = tempPathFor(path, "save", Date.now());
  try {
    writeFileSync(temp, data, { mode: options.mode ?? 0o600 });
    fsyncFile(temp);
    await whileInUse(path, () => renameSync(temp, path), options.wait);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dirname(path));
}
