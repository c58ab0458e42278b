import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appCommand, appLaidOutFolder, cleanEnv, dataPaths, runCli, startApp } from "../helpers.ts";

/** A data folder made by the app, with `megabytes` of random rows added to its database. */
async function dataFolder(megabytes = 0): Promise<string> {
  const dir = await appLaidOutFolder("business-app-serve-");
  const db = new Database(dataPaths(dir).database);
  db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, remote_id TEXT, payload BLOB)");
  db.run("INSERT INTO items (name) VALUES ('apples')");
  if (megabytes > 0) {
    db.run(
      `INSERT INTO items (name, payload) SELECT 'bulk', randomblob(65536) FROM
       (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${megabytes * 16}) SELECT n FROM c)`,
    );
  }
  db.close();
  return dir;
}

/** What SQLite may keep beside a file it writes. */
const SIDE = ["-journal", "-wal", "-shm"];
const backupsOf = (dir: string) => readdirSync(dataPaths(dir).backupsDir);
/** The startup backup's snapshot is being written: its temporary file is there. */
const startupWritten = (dir: string) =>
  backupsOf(dir).some((f) => f.startsWith(".startup_backup.db.snapshot."));
const logOf = (dir: string) => readFileSync(join(dataPaths(dir).backupsDir, "backup.log"), "utf8");

describe("serve with backups", () => {
  test("a startup backup and the scheduler at every start; a stop waits for a running backup", async () => {
    const dir = await dataFolder(40);
    const app = await startApp({ dataDir: dir, args: ["--schedule", "0 30 */6 * * *"] });
    // Stop once the startup backup of 40 MB is being written (it begins after the first answer).
    const deadline = Date.now() + 10_000;
    while (!startupWritten(dir) && Date.now() < deadline) await Bun.sleep(1);
    expect(startupWritten(dir)).toBe(true);
    expect(await app.stop()).toBe(0);
    const log = logOf(dir);
    expect(log).toContain('Automatic backup scheduler started (on the schedule "0 30 */6 * * *")');
    const created = log.indexOf("Database backup created: startup_backup.db");
    expect(created).toBeGreaterThan(-1);
    expect(created).toBeLessThan(log.lastIndexOf("Application stopped"));
    expect(log.lastIndexOf("Application stopping")).toBeLessThan(created);
    expect(backupsOf(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(backupsOf(dir)).toContain("startup_backup.db");
  });

  test("SIGHUP (the console window closed) while the startup backup is written gives it up: exit 0, nothing partial kept", async () => {
    const dir = await dataFolder(80);
    const app = await startApp({ dataDir: dir });
    // Bounded: the snapshot of 80 MB is on its way once its temporary file is there (not another
    // file's, such as a save of the alerts).
    const deadline = Date.now() + 10_000;
    while (!startupWritten(dir) && Date.now() < deadline) await Bun.sleep(1);
    expect(startupWritten(dir)).toBe(true);
    app.proc.kill("SIGHUP");
    expect(await app.proc.exited).toBe(0);
    const log = logOf(dir);
    expect(log).toContain("Application stopping (SIGHUP): closing at once; a running backup is given up");
    expect(log).toContain(
      "ERROR - Failed to create backup: it was stopped because the app is closing; nothing half done was kept",
    );
    expect(log).not.toContain("Database backup created: startup_backup.db");
    expect(log.trimEnd()).toEndWith("INFO - Application stopped");
    // Nothing half written is listed; the next start removes what is left and the data is whole.
    const listed = JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout) as {
      backups: unknown[];
    };
    expect(listed.backups).toEqual([]);
    const again = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    expect(await again.stop()).toBe(0);
    expect(backupsOf(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    const db = new Database(dataPaths(dir).database, { readonly: true });
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    db.close();
  });

  test("leftovers of a crashed run are removed at start and never listed", async () => {
    const dir = await dataFolder();
    const snapshot = ".manual_20250101_000000.db.snapshot.999.tmp";
    // A snapshot killed while SQLite wrote it leaves its journal (or -wal/-shm) beside it; and
    // what an older version named otherwise goes too.
    const inBackups = [
      snapshot,
      ...SIDE.map((s) => `${snapshot}${s}`),
      ".upload.arriving.999.0f3c.tmp",
      ".manual_20250101_000000.db.999.tmp",
      ".upload.999.0f3c.tmp",
    ];
    const inData = [
      "business_data.db.restore-tmp",
      ...SIDE.map((s) => `business_data.db.restore-tmp${s}`),
      // A save of the settings cut off before its rename, and one of an older version.
      ".business-app.config.json.save.999.1700000000000.tmp",
      ".business-app.config.json.999.1700000000000.tmp",
    ];
    for (const name of inBackups) writeFileSync(join(dataPaths(dir).backupsDir, name), "half written");
    for (const name of inData) writeFileSync(join(dir, name), "half a restore");
    // Look-alikes that are not leftovers stay.
    writeFileSync(join(dataPaths(dir).backupsDir, "notes.tmp"), "mine");
    writeFileSync(join(dataPaths(dir).backupsDir, ".hidden-journal"), "mine");
    // In the data folder (the executable's, shared with whatever else is there) only the app's own go.
    writeFileSync(join(dir, ".someone-elses.save.999.tmp"), "theirs");
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    expect(await app.stop()).toBe(0);
    // Continuous protection's folder appears once it begins (after the startup work): maybe not yet.
    expect(
      backupsOf(dir)
        .filter((f) => f !== "continuous")
        .sort(),
    ).toEqual([".hidden-journal", "alerts.json", "backup.log", "notes.tmp"]);
    for (const name of inData) expect(existsSync(join(dir, name))).toBe(false);
    expect(existsSync(join(dir, ".someone-elses.save.999.tmp"))).toBe(true);
    const log = logOf(dir);
    for (const name of [...inBackups, ...inData]) {
      const path = inData.includes(name) ? join(dir, name) : join(dataPaths(dir).backupsDir, name);
      expect(log).toContain(`Removed leftover of an interrupted operation: ${path}`);
    }
    expect((await runCli(["list", "--json", "--data-dir", dir])).stdout).toContain('"backups": []');
  });

  test("kill -9 in the middle of a snapshot leaves nothing partial listed", async () => {
    const dir = await dataFolder(80);
    const proc = Bun.spawn([...appCommand(), "backup", "--data-dir", dir], {
      env: cleanEnv(),
      stdout: "ignore",
      stderr: "ignore",
    });
    const deadline = Date.now() + 10_000;
    // Killed once SQLite writes the snapshot's journal beside it: both are left behind.
    while (
      !backupsOf(dir).some((f) => f.endsWith(".tmp-journal")) &&
      Date.now() < deadline &&
      proc.exitCode === null
    ) {
      await Bun.sleep(1);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    const listed = JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout) as {
      backups: unknown[];
    };
    // Either the kill came before the rename (nothing listed) or after it (one whole, verified backup).
    for (const backup of listed.backups as { health: string }[]) expect(backup.health).toBe("verified");
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    expect(await app.stop()).toBe(0);
    expect(backupsOf(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });
});

describe("recovery mode", () => {
  for (const how of ["not a database", "damaged pages"] as const) {
    test(`a main database that is ${how}: the app starts, rotates nothing out, prints a recovery link`, async () => {
      const dir = await dataFolder(2);
      // Twelve healthy automatic backups with room for three: retention must not run.
      await runCli(["backup", "--data-dir", dir]);
      const first = (
        JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout).backups as { name: string }[]
      )[0];
      const source = readFileSync(join(dataPaths(dir).backupsDir, first?.name as string));
      for (let i = 10; i < 22; i++)
        writeFileSync(join(dataPaths(dir).backupsDir, `backup_20250101_0000${i}.db`), source);
      expect((await runCli(["verify", "--all", "--data-dir", dir])).exitCode).toBe(0);
      const made = JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout).backups as {
        name: string;
      }[];
      const dbPath = dataPaths(dir).database;
      if (how === "not a database") {
        writeFileSync(dbPath, "this is not a database, it was overwritten by mistake".repeat(100));
      } else {
        const bytes = readFileSync(dbPath);
        for (let offset = 3 * 4096; offset < bytes.length; offset += 4096) bytes[offset] = 0xff;
        writeFileSync(dbPath, bytes);
      }
      const app = await startApp({ dataDir: dir, args: ["--max-backups", "3"] });
      // Wait for the startup check to find the damage.
      const deadline = Date.now() + 10_000;
      while (!app.output().includes("/recovery?token=") && Date.now() < deadline) await Bun.sleep(20);
      const token = app.output().match(/\/recovery\?token=([A-Za-z0-9_-]{43})/)?.[1] as string;
      expect(token).toBeDefined();
      expect(await (await fetch(`${app.url}/api/health`)).json()).toMatchObject({
        status: "degraded",
        reasons: expect.arrayContaining(["recovery_mode"]),
      });
      if (how === "damaged pages") {
        // Through the printed link, with no restart.
        const page = await fetch(`${app.url}/recovery?token=${token}`);
        expect(page.status).toBe(200);
        const res = await fetch(`${app.url}/recovery/restore`, {
          method: "POST",
          redirect: "manual",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url },
          body: new URLSearchParams({ token }),
        });
        expect(res.status).toBe(303);
        expect(await (await fetch(`${app.url}/api/health`)).json()).toEqual({ status: "ok" });
      }
      expect(await app.stop()).toBe(0);
      expect(logOf(dir)).toContain("ERROR - The database cannot be used");
      const after = JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout).backups as {
        name: string;
      }[];
      expect(made.filter((b) => b.name.startsWith("backup_"))).toHaveLength(12);
      for (const { name } of made) expect(after.map((b) => b.name)).toContain(name);

      if (how === "not a database") {
        const restored = await runCli(["restore", "--latest", "--yes", "--data-dir", dir]);
        expect(restored.exitCode).toBe(0);
      }
      // The damaged database itself was kept, marked damaged, in case it holds something to salvage.
      const listing = JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout).backups as {
        kind: string;
        health: string;
      }[];
      expect(listing.find((b) => b.kind === "pre_restore")?.health).toBe("damaged");
      const again = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
      expect(await (await fetch(`${again.url}/api/health`)).json()).toEqual({ status: "ok" });
      expect(await again.stop()).toBe(0);
    });
  }
});
