import { constants } from "node:fs";
import { copyFile, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { digestFileInWorker, sealFileInWorker } from "../../backup/index.ts";
import { fsyncDirAsync, fsyncFileAsync } from "../../lib/files/fs-sync.ts";
import { leftoverOf, tempNameFor } from "../../lib/files/temp-name.ts";
import { fileDigest } from "../../lib/hash.ts";
import type { PlaceLedger } from "../copies/ledger.ts";
import { bounded, type Digest, fileStream, withIdleTimeout } from "../copies/streams.ts";
import { isAbort, mirrorError, OffsiteError } from "../errors.ts";
import type { S3Timeouts } from "./s3/http.ts";
import type { OffsiteTarget, TargetFile } from "./target.ts";

/** The names of the temporary files a write makes before it renames them. */

/** The most files the mirror folder may hold before its listing is refused (a folder of someone else's). */
const MAX_FILES = 100_000;

const notAnswering = (dir: string, ms: number) =>
  new OffsiteError(
    "offsite.unreachable",
    "the folder does not answer",
    `${dir}: nothing for ${Math.round(ms / 1000)} s; is the drive or the network share still there?`,
  );

/**
 * Off-site copies in a folder of another disk: a USB drive, a NAS share. The folder must exist:
 * a drive that is not plugged in must not turn into a folder of that name on this PC's own disk.
 * A copy is written under a hidden temporary name (recorded in the ledger first), flushed,
 * renamed, and the folder flushed, so a name that is listed has its whole content; an
 * interrupted copy leaves only that temporary file, which `tidy` removes. Every call is bounded
 * in time (`timeouts`): a share that stops answering is an error, not a hang.
 */
export function mirrorTarget(dir: string, ledger: PlaceLedger, timeouts: S3Timeouts): OffsiteTarget {
  const pathOf = (name: string) => join(dir, name);
  const tempName = (name: string) => tempNameFor(name, "offsite");
  const within = <T>(work: Promise<T>, signal?: AbortSignal, ms = timeouts.answerMs) =>
    bounded(work, { ms, late: () => notAnswering(dir, ms), signal });

  async function ensureFolder(signal?: AbortSignal): Promise<void> {
    let isDir: boolean;
    try {
      isDir = (await within(stat(dir), signal)).isDirectory();
    } catch (error) {
      throw mirrorError(error, dir);
    }
    if (!isDir) throw new OffsiteError("offsite.mirror_unavailable", "it is not a folder", dir);
  }

  /**
   * Runs `fill(temp)`, then flushes the temporary file (while `whileFlushed(temp)` runs, if given)
   * and renames it to `name`; removes it on failure.
   */
  async function place(
    name: string,
    fill: (temp: string) => Promise<void>,
    signal: AbortSignal | undefined,
    whileFlushed?: (temp: string) => Promise<void>,
  ): Promise<void> {
    await ensureFolder(signal);
    const temp = tempName(name);
    await ledger.writing(temp);
    try {
      await fill(pathOf(temp));
      // Flushed off the main thread: a large copy's flush takes a while.
      await Promise.all([within(fsyncFileAsync(pathOf(temp)), signal), whileFlushed?.(pathOf(temp))]);
      await within(rename(pathOf(temp), pathOf(name)), signal);
      await fsyncDirAsync(dir);
    } catch (error) {
      await rm(pathOf(temp), { force: true }).catch(() => {});
      throw isAbort(error) ? error : mirrorError(error, dir);
    }
    await ledger.written(temp);
  }

  /**
   * `work` in the backup worker, given up (its thread ended) once `signal` aborts or after `ms`
   * (a share that stopped answering).
   */
  async function inWorker<T>(work: (stop: AbortSignal) => Promise<T>, ms: number, signal?: AbortSignal) {
    const stop = new AbortController();
    try {
      return await within(work(stop.signal), signal, ms);
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  }

  return {
    id: "mirror",
    label: "the mirror folder",
    where: dir,
    async list(signal) {
      await ensureFolder(signal);
      try {
        const found: TargetFile[] = [];
        // Off the thread: a NAS folder answers slowly, and the server serves meanwhile.
        const entries = await within(readdir(dir, { withFileTypes: true }), signal);
        if (entries.length > MAX_FILES)
          throw new OffsiteError("offsite.failed", `the folder holds more than ${MAX_FILES} files`, dir);
        for (const entry of entries) {
          if (entry.isFile())
            found.push({ name: entry.name, size: (await within(stat(pathOf(entry.name)), signal)).size });
        }
        return found;
      } catch (error) {
        throw mirrorError(error, dir);
      }
    },
    write: (name, body, signal) =>
      place(
        name,
        async (temp) => {
          const opening = open(temp, "wx", 0o600);
          // A handle that opens after the wait was given up is closed, not left to the collector.
          const file = await within(opening, signal).catch((error) => {
            opening.then((late) => late.close()).catch(() => {});
            throw error;
          });
          try {
            if (typeof body === "string" || body instanceof Uint8Array)
              await within(file.writeFile(body), signal);
            else for await (const chunk of body) await within(file.write(chunk), signal);
          } finally {
            await file.close();
          }
        },
        signal,
      ),
    // The kernel copies (copy_file_range): no bytes pass through this process. A large copy to
    // a slow share takes a while: it is given the time at 64 KiB/s, as an upload is.
    copyFile: (path, name, signal) =>
      place(
        name,
        async (temp) => {
          const size = (await stat(path)).size;
          const ms = timeouts.answerMs + Math.ceil(size / 64);
          await within(copyFile(path, temp, constants.COPYFILE_EXCL), signal, ms);
        },
        signal,
      ),
    // Read, hashed, sealed and written in the backup worker, and read back there while the file
    // is flushed (the same file, before its rename): the server's thread only waits. Given the
    // time at 64 KiB/s, as a copy is.
    async sealFile(path, name, sealing, options) {
      const { signal } = options;
      const size = (await within(stat(path), signal)).size;
      const ms = timeouts.answerMs + Math.ceil(size / 64);
      const got: { written?: { plain: Digest; sealed: Digest }; stored?: Digest } = {};
      await place(
        name,
        async (temp) => {
          got.written = await inWorker(
            (stop) =>
              sealFileInWorker(
                { source: path, target: temp, ...sealing },
                { ...(options.onProgress ? { onProgress: options.onProgress } : {}), signal: stop },
              ),
            ms,
            signal,
          );
        },
        signal,
        async (temp) => {
          got.stored = await inWorker((stop) => digestFileInWorker(temp, stop), ms, signal);
        },
      );
      const { written, stored } = got;
      if (!written || !stored) throw new Error("the mirror's sealed copy ended without its digests");
      return { ...written, stored };
    },
    async read(name, signal) {
      try {
        await within(stat(pathOf(name)), signal);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ENOENT") throw mirrorError(error, dir);
        await ensureFolder(signal);
        throw new OffsiteError("offsite.not_found", "the file is not there", `${dir}: ${name}`);
      }
      return withIdleTimeout(fileStream(pathOf(name)), {
        idleMs: timeouts.idleMs,
        idle: () => notAnswering(dir, timeouts.idleMs),
        map: (error) => mirrorError(error, dir),
        ...(signal ? { signal } : {}),
      });
    },
    async digest(name, signal) {
      try {
        const bound = <T>(work: Promise<T>) => within(work, signal, timeouts.idleMs);
        return await fileDigest(pathOf(name), { bound, ...(signal ? { signal } : {}) });
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ENOENT")
          throw isAbort(error) ? error : mirrorError(error, dir);
        await ensureFolder(signal);
        throw new OffsiteError("offsite.not_found", "the file is not there", `${dir}: ${name}`);
      }
    },
    async remove(name, signal) {
      try {
        await within(rm(pathOf(name), { force: true }), signal);
      } catch (error) {
        throw mirrorError(error, dir);
      }
    },
    async tidy(signal) {
      await ensureFolder(signal);
      // Only the temporary files this installation's interrupted writes left: names it recorded
      // before writing them (the rest of what it recorded is the run's to judge).
      const left = Object.keys(ledger.record().writing).filter((n) => leftoverOf(n) !== null);
      for (const name of left) {
        await within(rm(pathOf(name), { force: true }), signal).catch(() => {});
        await ledger.written(name);
      }
    },
  };
}
