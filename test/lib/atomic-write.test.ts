import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { BackupFolder } from "../../src/backup/catalog/folder.ts";
import { writeFileAtomic } from "../../src/lib/files/fs-sync.ts";
import { tempDir } from "../helpers.ts";

/**
 * Small files the app keeps (the manifest, the settings, the off-site ledger, the alerts) are
 * saved off the app's thread: a flush of a few bytes waits a third of a second when the disk is
 * writing out gigabytes, and the app answered nothing meanwhile. Saves are no longer instant, so
 * those of one file keep the order they were asked in, and whoever reads, changes and saves a
 * file keeps its turn: nothing one change wrote is lost to another running beside it.
 */

const NO_WAIT = { wait: { timeoutMs: 0 } };

describe("saves off the app's thread", () => {
  test("nothing is written on the calling thread: the old content stays until the save is awaited", async () => {
    const path = join(tempDir(), "record.json");
    writeFileSync(path, "old\n");
    const saving = writeFileAtomic(path, "new\n", NO_WAIT);
    expect(readFileSync(path, "utf8")).toBe("old\n");
    await saving;
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(readdirSync(join(path, ".."))).toEqual(["record.json"]);
  });

  test("overlapping saves of one file land in the order asked: the last one asked wins, no temporary file stays", async () => {
    for (let round = 0; round < 5; round++) {
      const dir = tempDir();
      const path = join(dir, "record.json");
      const count = 20 + round * 10;
      // Sizes differ (a short save could finish before a long one begun earlier).
      const saves = Array.from({ length: count }, (_, i) =>
        writeFileAtomic(path, `${i}:${"x".repeat(((i * 7919) % 97) * 1000)}\n`, NO_WAIT),
      );
      await Promise.all(saves);
      expect(readFileSync(path, "utf8").split(":")[0]).toBe(String(count - 1));
      expect(readdirSync(dir)).toEqual(["record.json"]);
    }
  });

  test("a save that fails leaves the file as it was and does not stop the next one", async () => {
    const dir = tempDir();
    const path = join(dir, "record.json");
    writeFileSync(path, "old\n");
    const into = join(dir, "missing-folder", "record.json");
    const failed = writeFileAtomic(into, "lost\n", NO_WAIT).then(
      () => null,
      (error: Error) => error,
    );
    const next = writeFileAtomic(path, "new\n", NO_WAIT);
    expect((await failed)?.message).toContain("ENOENT");
    await next;
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(readdirSync(dir)).toEqual(["record.json"]);
  });

  test("changes of the backup manifest started together all stay: each reads what the one before wrote", async () => {
    const dir = tempDir();
    const app = createApp({ flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir }, { echo: null });
    mkdirSync(app.paths.backupsDir, { recursive: true });
    // Two objects on one folder (the engine's and, say, an off-site restore's) share the turn.
    const folders = [0, 1].map(() => new BackupFolder(app.paths.backupsDir, app.log, { timeoutMs: 0 }));
    const names = Array.from(
      { length: 40 },
      (_, i) => `manual_20260101_0000${String(i).padStart(2, "0")}.db`,
    );
    // Records of files that are not there are dropped on reading; each change adds its own file first.
    await Promise.all(
      names.map((name, i) => {
        const folder = folders[i % 2] as BackupFolder;
        writeFileSync(folder.pathOf(name), "");
        return folder.update((records) => {
          const listed = records.get(name);
          if (listed) records.set(name, { ...listed, description: `change ${i}` });
        });
      }),
    );
    const manifest = JSON.parse(readFileSync(join(app.paths.backupsDir, "manifest.json"), "utf8")) as {
      backups: Record<string, { description: string }>;
    };
    for (const [i, name] of names.entries()) expect(manifest.backups[name]?.description).toBe(`change ${i}`);
  });

  test("settings saved together from two pages both stay", async () => {
    const dir = tempDir();
    const app = createApp({ flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir }, { echo: null });
    await Promise.all([
      app.settings.apply({ values: { max_backups: "12" } }, "anna"),
      app.settings.apply({ values: { keep_daily: "9" } }, "ben"),
    ]);
    const file = JSON.parse(readFileSync(app.settings.current.configFile, "utf8")) as Record<string, unknown>;
    expect(file.max_backups).toBe(12);
    expect(file.keep_daily).toBe(9);
  });
});
