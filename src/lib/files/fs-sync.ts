import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type SharingWait, whileInUse } from "./sharing.ts";
import { tempPathFor } from "./temp-name.ts";

/**
 * Writes all of `bytes` to the descriptor `fd`, at `position` (or where the file stands), however
 * many calls the system needs.
 */
export function writeAll(fd: number, bytes: Uint8Array, position?: number): void {
  for (let done = 0; done < bytes.length; )
    done += writeSync(fd, bytes, done, bytes.length - done, position === undefined ? null : position + done);
}

/** Flushes a file's content to the disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `fsyncFile` on a thread of the runtime's pool: the calling thread goes on meanwhile. Even a
 * small file's flush may wait a third of a second while the disk writes out gigabytes (a
 * backup, a copy): the app's thread must never wait for it.
 */
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

/** `fsyncDir` on a thread of the runtime's pool (`fsyncFileAsync`). */
export async function fsyncDirAsync(path: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Tells apart the temporary files of saves that overlap in one process. */
let saves = 0;
/** The last save of each path still on its way: the next one waits for it. */
const saving = new Map<string, Promise<void>>();

/**
 * Replaces `path` with `data` so that after a crash the file holds either the old or the new
 * content, never a mix: write a temporary file beside it, flush it, rename it over (waiting, as
 * `whileInUse`, for another program that holds the file), flush the folder. Owner-only by default.
 * Every step runs on the runtime's pool (`fsyncFileAsync`): the calling thread answers meanwhile.
 * Saves of the same path in this process run one after another, in the order they were asked
 * for; a caller that reads, changes and saves a file keeps its own turn (`BackupFolder.update`).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { wait: SharingWait; mode?: number },
): Promise<void> {
  // Saves of one path land in the order they were asked for: the last one asked wins.
  const saved = (saving.get(path) ?? Promise.resolve()).then(() => save(path, data, options));
  const settled = saved.catch(() => {});
  saving.set(path, settled);
  void settled.then(() => {
    if (saving.get(path) === settled) saving.delete(path);
  });
  return saved;
}

/**
 * Resolves once every save asked for so far has landed or failed: before the process ends (a
 * save still on its way would leave its temporary file and lose what it held), and for whoever
 * must see the files as they will be.
 */
export async function savesSettled(): Promise<void> {
  while (saving.size > 0) await Promise.all([...saving.values()]);
}

async function save(path: string, data: string | Uint8Array, options: { wait: SharingWait; mode?: number }) {
  const temp = tempPathFor(path, "save", `${Date.now()}-${++saves}`);
  try {
    await writeFile(temp, data, { mode: options.mode ?? 0o600, flag: "wx" });
    await fsyncFileAsync(temp);
    await whileInUse(path, () => rename(temp, path), options.wait);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirAsync(dirname(path));
}
