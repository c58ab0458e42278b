import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { sha256Hex } from "../../src/lib/hash.ts";
import { addItems, checkHold, itemNames, makeSetup } from "./fixtures.ts";

const TEN = ["flour", "sugar", "salt", "yeast", "milk", "eggs", "butter", "oil", "rice", "beans"];

/** A data folder with ten items and one backup of them, fully checked as a serving app does it. */
async function withBackup() {
  const setup = makeSetup();
  addItems(setup.db, TEN);
  const backup = await setup.engine.createBackup({ kind: "manual", description: "ten items" });
  await setup.engine.settled();
  return { ...setup, backup, path: join(setup.paths.backupsDir, backup.name) };
}

const hidden = (dir: string) => readdirSync(dir).filter((n) => n.startsWith("."));

/** Flips 64 bytes near the end of the file at `path`: its hash changes, SQLite may not notice. */
function damageTail(path: string): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < 64; i++)
    bytes.writeUInt8((bytes.readUInt8(bytes.length - 200 - i) ^ 0xff) & 0xff, bytes.length - 200 - i);
  writeFileSync(path, bytes);
}

/** Changes the record of `name` in the manifest on disk, as another process of the app would. */
function editRecord(backupsDir: string, name: string, edit: (record: Record<string, unknown>) => void): void {
  const path = join(backupsDir, "manifest.json");
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest.backups[name]);
  writeFileSync(path, JSON.stringify(manifest));
}

describe("restore drill", () => {
  test("the newest healthy backup is restored into a temporary file, checked and counted; the database is untouched", async () => {
    const { engine, db, paths, backup, readLog } = await withBackup();
    expect(engine.find(backup.name).rowCounts).toMatchObject({ items: 10, users: 0, sessions: 0 });
    addItems(db, ["made after the backup"]);
    const liveBefore = itemNames(db);
    const result = await engine.drills.run();
    expect(result).toMatchObject({ ok: true, reason: null, backup: backup.name, rows: 10 });
    expect(result.tables).toBeGreaterThanOrEqual(3);
    expect(itemNames(db)).toEqual(liveBefore);
    expect(hidden(paths.backupsDir)).toEqual([]);
    expect(readdirSync(paths.dataDir).filter((n) => n.includes("restore-tmp"))).toEqual([]);
    expect(engine.drills.last()).toEqual(result);
    expect(JSON.parse(readFileSync(join(paths.backupsDir, "drill.json"), "utf8"))).toEqual({
      version: 1,
      last: result,
    });
    expect(await readLog()).toContain(
      `INFO - Restore drill passed: ${backup.name} was restored into a temporary file, opened with this version's migrations and passed integrity_check`,
    );
  });

  test("a backup damaged after it was made fails the drill, and is listed damaged from then on", async () => {
    const { engine, path, backup, readLog } = await withBackup();
    damageTail(path);
    const result = await engine.drills.run();
    expect(result.ok).toBe(false);
    expect(result.backup).toBe(backup.name);
    expect(result.reason).toBe(
      `the backup ${backup.name} changed after it was made (SHA-256 differs), so it may be damaged`,
    );
    expect(engine.find(backup.name).health).toBe("damaged");
    expect(await readLog()).toContain(`ERROR - Restore drill failed with ${backup.name}:`);
    // The next drill finds no good backup left, and says so.
    const next = await engine.drills.run();
    expect(next).toMatchObject({ ok: false, backup: null, reason: "there is no good backup to restore" });
  });

  test("rows gone from a backup whose hash was recorded anew are caught by the counts made with it", async () => {
    const { engine, path, backup, paths } = await withBackup();
    const file = new Database(path);
    file.run("DELETE FROM items WHERE name IN ('milk', 'eggs', 'butter')");
    file.close();
    // A tool that "repairs" the manifest: the file's new hash is recorded as if it were the original.
    const manifestPath = join(paths.backupsDir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    const sha256 = sha256Hex(readFileSync(path));
    const record = manifest.backups[backup.name];
    Object.assign(record, {
      sha256,
      size: readFileSync(path).length,
      fullCheck: { sha256, at: record.checkedAt },
    });
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const result = await engine.drills.run();
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(
      "the restored copy differs from the backup: table `items` has 7 rows, 10 when the backup was made",
    );
  });

  test("a backup made at the command line gets its full check first, which records its counts", async () => {
    const { engine, app } = makeSetup();
    expect(engine.drills.last()).toBeNull();
    addItems(app.db, TEN);
    // The same data folder, as a command beside the app would see it: no background checks.
    const cli = createApp(
      { flags: { data_dir: app.paths.dataDir }, env: {}, appDir: app.paths.dataDir, cwd: app.paths.dataDir },
      { connection: "none", echo: null },
    );
    const made = await cli.engine.createBackup({ kind: "manual" });
    expect(cli.engine.find(made.name).rowCounts).toBeUndefined();
    const result = await engine.drills.run();
    expect(result).toMatchObject({ ok: true, backup: made.name, rows: 10 });
    expect(engine.find(made.name).rowCounts?.items).toBe(10);
  });

  test("the drill holds the operation lock: a backup meanwhile is told busy", async () => {
    const { engine } = await withBackup();
    const drilling = engine.drills.run();
    await expect(engine.createBackup({ kind: "manual" })).rejects.toMatchObject({ code: "backup.busy" });
    expect(engine.progress()).toMatchObject({ action: "drill" });
    expect((await drilling).ok).toBe(true);
  });

  test("each drill copies the backup into a file of its own name (a drill that made way may still hold its copy)", async () => {
    const { engine, paths } = await withBackup();
    const copies = new Set<string>();
    const watcher = watch(paths.backupsDir, (_event, name) => {
      if (name && /^\.drill\.copy\.\d+\.\d+\.tmp$/.test(name)) copies.add(name);
    });
    try {
      for (let i = 0; i < 3; i++) expect((await engine.drills.run()).ok).toBe(true);
      // The file system's events come on their own; at most 10 s for the three.
      for (let waited = 0; copies.size < 3 && waited < 10_000; waited += 10) await Bun.sleep(10);
    } finally {
      watcher.close();
    }
    expect(copies.size).toBe(3);
    expect(hidden(paths.backupsDir)).toEqual([]);
  });

  test("a scheduled drill marks a changed backup damaged on its record as listed then: what another process wrote meanwhile stays", async () => {
    const gate = checkHold(["drill"]);
    const setup = makeSetup({ backgroundHold: gate.hold });
    addItems(setup.db, TEN);
    const backup = await setup.engine.createBackup({ kind: "manual", description: "ten items" });
    await setup.engine.settled();
    damageTail(join(setup.paths.backupsDir, backup.name));
    const drilling = setup.engine.drills.scheduled();
    // The drill has found the change, and waits to record it; another process of the app records
    // a check of its own meanwhile.
    await gate.reached(1);
    const at = "2031-01-02T03:04:05.000Z";
    editRecord(setup.paths.backupsDir, backup.name, (record) => {
      record.checkedAt = at;
      record.unknownTables = ["kept_by_another_process"];
    });
    gate.held[0]?.release();
    const result = await drilling;
    expect(result).toMatchObject({ ok: false, backup: backup.name });
    expect(setup.engine.find(backup.name)).toMatchObject({
      health: "damaged",
      reason: "its content changed after it was made (SHA-256 differs), so it may be damaged",
      fullCheck: null,
      checkedAt: at,
      unknownTables: ["kept_by_another_process"],
      description: "ten items",
    });
  });

  test("a scheduled drill records nothing about a backup replaced meanwhile by another of its name", async () => {
    const gate = checkHold(["drill"]);
    const setup = makeSetup({ backgroundHold: gate.hold });
    addItems(setup.db, TEN);
    const backup = await setup.engine.createBackup({ kind: "manual" });
    await setup.engine.settled();
    damageTail(join(setup.paths.backupsDir, backup.name));
    const drilling = setup.engine.drills.scheduled();
    await gate.reached(1);
    const other = "f".repeat(64);
    editRecord(setup.paths.backupsDir, backup.name, (record) => {
      record.sha256 = other;
    });
    gate.held[0]?.release();
    expect(await drilling).toBeNull();
    expect(setup.engine.find(backup.name)).toMatchObject({ health: "verified", sha256: other });
    expect(setup.engine.drills.last()).toBeNull();
  });
});
