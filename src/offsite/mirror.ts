import { constants } from "node:fs";
import { copyFile, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, fsyncFileAsync } from "../lib/fs-sync.ts";
import { mapStreamErrors } from "../runtime/shared/streams.ts";
import { isAbort, mirrorError, OffsiteError } from "./errors.ts";
import { fileStream } from "./streams.ts";
import type { OffsiteTarget, TargetFile } from "./target.ts";

const TEMP = /^\..*\.offsite\.\d+\.tmp$/;

/**
 * Off-site copies in a folder of another disk: a USB drive, a NAS share. The folder must exist:
 * a drive that is not plugged in must not turn into a folder of that name on this PC's own disk.
 * A copy is written under a hidden temporary name, flushed, renamed, and the folder flushed, so a
 * name that is listed has its whole content; an interrupted copy leaves only a temporary file,
 * removed by `tidy`.
 */
export function mirrorTarget(dir: string): OffsiteTarget {
  const pathOf = (name: string) => join(dir, name);
  const tempOf = (name: string) => join(dir, `.${name}.offsite.${process.pid}.tmp`);

  async function ensureFolder(): Promise<void> {
    let isDir: boolean;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch (error) {
      throw mirrorError(error, dir);
    }
    if (!isDir) throw new OffsiteError("offsite.mirror_unavailable", "it is not a folder", dir);
  }

  /** Runs `fill(temp)`, then flushes the temporary file and renames it to `name`; removes it on failure. */
  async function place(name: string, fill: (temp: string) => Promise<void>): Promise<void> {
    await ensureFolder();
    const temp = tempOf(name);
    try {
      await fill(temp);
      // Flushed off the main thread: a large copy's flush takes a while.
      await fsyncFileAsync(temp);
      await rename(temp, pathOf(name));
      fsyncDir(dir);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw isAbort(error) ? error : mirrorError(error, dir);
    }
  }

  return {
    id: "mirror",
    label: "the mirror folder",
    where: dir,
    async list() {
      await ensureFolder();
      try {
        const found: TargetFile[] = [];
        // Off the thread: a NAS folder answers slowly, and the server serves meanwhile.
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (entry.isFile()) found.push({ name: entry.name, size: (await stat(pathOf(entry.name))).size });
        }
        return found;
      } catch (error) {
        throw mirrorError(error, dir);
      }
    },
    write: (name, body) =>
      place(name, async (temp) => {
        const file = await open(temp, "wx", 0o600);
        try {
          if (typeof body === "string") await file.writeFile(body);
          else for await (const chunk of body) await file.write(chunk);
        } finally {
          await file.close();
        }
      }),
    // The kernel copies (copy_file_range): no bytes pass through this process.
    copyFile: (path, name) => place(name, (temp) => copyFile(path, temp, constants.COPYFILE_EXCL)),
    async read(name) {
      return mapStreamErrors(fileStream(pathOf(name)), (error) => mirrorError(error, dir));
    },
    async remove(name) {
      try {
        await rm(pathOf(name), { force: true });
      } catch (error) {
        throw mirrorError(error, dir);
      }
    },
    async tidy() {
      await ensureFolder();
      for (const name of (await readdir(dir)).filter((n) => TEMP.test(n))) {
        await rm(pathOf(name), { force: true }).catch(() => {});
      }
    },
  };
}
