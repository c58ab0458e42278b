import { describe, expect, test } from "bun:test";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import {
  BackupFolderError,
  DiskFullError,
  ListNotWrittenError,
  NotEnoughSpaceError,
} from "../../src/backup/errors.ts";
import { dataPaths } from "../../src/config/paths.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { problemOf } from "../../src/web/errors.tsx";
import { addUserByCli, signIn, startApp, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { addBulk, integrity, itemsChecksum, mountTmpfs } from "./fault-helpers.ts";

/** A data folder with a database of `megabytes` and its backup folder on a small tmpfs, or null. */
function onTinyDisk(megabytes: number, size: string, readOnly = false) {
  const dir = tempDir("business-app-disk-");
  const paths = dataPaths(dir);
  const handle = new DatabaseHandle(paths.database);
  handle.open();
  handle.close();
  addBulk(paths.database, megabytes);
  mkdirSync(paths.backupsDir, { recursive: true });
  const unmount = mountTmpfs(paths.backupsDir, size, readOnly);
  return { paths, unmount };
}

/** Writes `path` until the disk it is on has no byte left. */
function fillUp(path: string): void {
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

/** The app's engine on `paths`, working on the files alone, as a command does; its log beside the data. */
function engineFor(paths: ReturnType<typeof dataPaths>, freeSpace?: (dir: string) => number) {
  const dir = paths.dataDir;
  return createApp(
    { flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir },
    { echo: null, connection: "none", ...(freeSpace ? { freeSpace } : {}) },
  ).engine;
}

describe("disk full", () => {
  test.skipIf(missing("tmpfs"))(
    "the backup folder on a 2 MB tmpfs: a clear 507, nothing left, the server keeps answering",
    async () => {
      const disk = onTinyDisk(4, "2m");
      try {
        const { paths } = disk;
        const before = itemsChecksum(paths.database);
        // The log lives on the tiny disk too; the app must start and answer all the same.
        const app = await startApp({ dataDir: paths.dataDir, args: ["--no-startup-backup"] });
        const added = await addUserByCli(paths.dataDir);
        expect(added.exitCode).toBe(0);
        const { headers } = await signIn(app, "boss");
        const res = await fetch(`${app.url}/api/backups`, {
          method: "POST",
          headers,
          body: "{}",
        });
        expect(res.status).toBe(507);
        const body = (await res.json()) as { error: { message: string } };
        expect(body.error.message).toMatch(/^not enough disk space \(needs .+, .+ free\)$/);
        expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db") || f.endsWith(".tmp"))).toEqual(
          [],
        );
        expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
        expect(await app.stop()).toBe(0);
        expect(itemsChecksum(paths.database)).toBe(before);
      } finally {
        disk.unmount();
      }
    },
  );

  test.skipIf(missing("sqlite3") || missing("tmpfs"))(
    "ENOSPC in the middle of a snapshot: a clear error, no file left, older backups intact, the next one works",
    async () => {
      const disk = onTinyDisk(12, "28m");
      try {
        const { paths } = disk;
        // Told there is room (as when another program fills the disk during the write):
        const blind = engineFor(paths, () => 10 * 1024 * 1024 * 1024);
        const engine = engineFor(paths);
        // The first backup (12 MB) fits; then a filler leaves room for the start of the next only.
        const older = await blind.createBackup({ kind: "manual", description: "older" });
        writeFileSync(join(paths.backupsDir, "filler.bin"), new Uint8Array(6 * 1024 * 1024));
        const error = await blind.createBackup({ kind: "manual" }).catch((e) => e);
        expect(error).toBeInstanceOf(DiskFullError);
        expect(error.message).toBe(
          "not enough disk space: the disk became full while the backup was written",
        );
        expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
        expect(blind.list().map((r) => r.name)).toEqual([older.name]);
        expect(integrity(join(paths.backupsDir, older.name))).toBe("ok");
        expect(integrity(paths.database)).toBe("ok");

        // With its own check of the free space, the engine refuses before writing at all.
        expect(await engine.createBackup({ kind: "manual" }).catch((e) => e)).toBeInstanceOf(
          NotEnoughSpaceError,
        );

        rmSync(join(paths.backupsDir, "filler.bin"));
        const next = await blind.createBackup({ kind: "manual", description: "after space was freed" });
        expect(next.health).toBe("verified");
      } finally {
        disk.unmount();
      }
    },
  );

  test.skipIf(missing("tmpfs"))(
    "a disk that fills up after a backup: recording a check says the list could not be written, the list stays as it was",
    async () => {
      const disk = onTinyDisk(1, "40m");
      try {
        const engine = engineFor(disk.paths);
        const made = await engine.createBackup({ kind: "manual", description: "before the disk filled" });
        await engine.settled();
        const manifest = join(disk.paths.backupsDir, "manifest.json");
        const before = readFileSync(manifest, "utf8");
        fillUp(join(disk.paths.backupsDir, "filler.bin"));
        const error = await engine.checks.verify([made.name]).catch((e) => e);
        expect(error).toBeInstanceOf(ListNotWrittenError);
        expect(error.code).toBe("backup.no_space");
        expect(error.message).toContain("the list of backups could not be written");
        expect(readFileSync(manifest, "utf8")).toBe(before);
        expect(readdirSync(disk.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
        // The web says any full disk as such, also one no operation named.
        const raw = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        expect(problemOf(raw)).toMatchObject({ code: "app.disk_full", status: 507 });
        expect(problemOf(error)).toMatchObject({ code: "backup.no_space", status: 507 });
        rmSync(join(disk.paths.backupsDir, "filler.bin"));
        expect((await engine.checks.verify([made.name]))[0]?.health).toBe("verified");
      } finally {
        disk.unmount();
      }
    },
  );

  test.skipIf(missing("tmpfs"))(
    "a read-only backup folder is a clear error and changes nothing",
    async () => {
      const disk = onTinyDisk(1, "4m", true);
      try {
        const error = await engineFor(disk.paths)
          .createBackup({ kind: "manual" })
          .catch((e) => e);
        expect(error).toBeInstanceOf(BackupFolderError);
        expect(error.message).toContain("cannot be written");
      } finally {
        disk.unmount();
      }
    },
  );
});
