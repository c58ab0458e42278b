import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { passedFullCheck } from "../../src/backup/catalog/manifest.ts";
import {
  BackupBusyError,
  BackupFolderError,
  BackupNotFoundError,
  BackupUnusableError,
  InvalidBackupNameError,
  NotEnoughSpaceError,
  ProtectedBackupError,
} from "../../src/backup/errors.ts";
import { sessions, users } from "../../src/db/schema.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { dataPaths, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import {
  addItems,
  itemNames,
  makeSetup,
  manualClock,
  putOutOfStep,
  recordFailedAutomaticBackup,
  sqliteShell,
} from "./fixtures.ts";

describe("creating backups", () => {
  test.skipIf(missing("sqlite3"))(
    "a manual backup is a verified, self-contained SQLite file any tool opens",
    async () => {
      const { engine, db, paths, readLog } = makeSetup();
      addItems(db, ["apples", "pears"]);
      const record = await engine.createBackup({
        kind: "manual",
        description: "Before inventory update!",
        createdBy: "anna",
      });

      expect(record.name).toMatch(/^manual_\d{8}_\d{6}_before_inventory_update\.db$/);
      expect(record.health).toBe("verified");
      expect(record.description).toBe("Before inventory update!");
      expect(record.createdBy).toBe("anna");
      const file = join(paths.backupsDir, record.name);
      expect(existsSync(`${file}-wal`)).toBe(false);
      expect(sqliteShell(file, "PRAGMA integrity_check")).toBe("ok");
      expect(sqliteShell(file, "PRAGMA journal_mode")).toBe("delete");
      expect(sqliteShell(file, "SELECT group_concat(name) FROM items")).toBe("apples,pears");
      expect(existsSync(`${file}-wal`)).toBe(false);
      expect(statSync(file).size).toBe(record.size);
      if (process.platform !== "win32") expect(statSync(file).mode & 0o777).toBe(0o600);
      const sha = new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
      expect(record.sha256).toBe(sha);

      expect(await readLog()).toMatch(
        new RegExp(
          `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d - INFO - Database backup created: ${record.name} \\(.+ in .+ s, by anna\\)`,
        ),
      );
      const listed = engine.list();
      expect(listed.map((r) => r.name)).toEqual([record.name]);
      expect(listed[0]?.description).toBe("Before inventory update!");
      // No temporary file is left and none is listed.
      expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    },
  );

  test("two backups in the same second get _2 and _3", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 14, 30, 0));
    const { engine } = makeSetup({ clock });
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await engine.createBackup({ kind: "automatic" })).name);
    expect(names).toEqual([
      "backup_20250922_143000.db",
      "backup_20250922_143000_2.db",
      "backup_20250922_143000_3.db",
    ]);
  });

  test.skipIf(missing("sqlite3"))(
    "a snapshot taken while another process writes holds exactly one committed state",
    async () => {
      const { engine, db, paths } = makeSetup();
      db.sqlite.run("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)");
      db.sqlite.run(
        "CREATE TABLE totals (id INTEGER PRIMARY KEY, total INTEGER NOT NULL, rows INTEGER NOT NULL)",
      );
      db.sqlite.run("INSERT INTO totals VALUES (1, 0, 0)");
      addItems(
        db,
        Array.from({ length: 2000 }, (_, i) => `bulk ${i}`),
      );
      const writer = Bun.spawn(
        [
          process.execPath,
          "-e",
          `import { Database } from "bun:sqlite";
         const db = new Database(${JSON.stringify(paths.database)});
         db.run("PRAGMA busy_timeout = 5000");
         const add = db.transaction((n) => {
           db.run("INSERT INTO ledger (amount) VALUES (?)", [n]);
           db.run("UPDATE totals SET total = total + ?, rows = rows + 1 WHERE id = 1", [n]);
         });
         for (let i = 1; i <= 3000; i++) add(i);`,
        ],
        { stdout: "ignore", stderr: "inherit" },
      );
      const taken = [];
      while (writer.exitCode === null && taken.length < 5)
        taken.push(await engine.createBackup({ kind: "automatic" }));
      await writer.exited;
      expect(taken.length).toBeGreaterThan(0);
      for (const record of taken) {
        const file = join(paths.backupsDir, record.name);
        const [sum, rows, total, count] = sqliteShell(
          file,
          "SELECT (SELECT coalesce(sum(amount),0) FROM ledger), (SELECT count(*) FROM ledger), total, rows FROM totals",
        ).split("|");
        expect(sum).toBe(total);
        expect(rows).toBe(count);
      }
    },
  );

  test("the server's thread keeps running while the worker takes the snapshot", async () => {
    const { engine, db } = makeSetup();
    db.sqlite.run("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)");
    const insert = db.sqlite.prepare("INSERT INTO blobs (data) VALUES (randomblob(65536))");
    db.sqlite.transaction(() => {
      for (let i = 0; i < 800; i++) insert.run();
    })();
    // Turns of this thread's event loop until the backup is done: a snapshot taken on this thread
    // would run between two turns, so no turn could ever see it in progress.
    let done = false;
    const pending = engine.createBackup({ kind: "manual" }).finally(() => {
      done = true;
    });
    let turnsDuringSnapshot = 0;
    while (!done) {
      const op = engine.progress();
      if (op && op.bytesExpected > 0) turnsDuringSnapshot++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pending;
    expect(turnsDuringSnapshot).toBeGreaterThan(0);
    expect(engine.progress()).toBeNull();
  });

  test("the app's connection takes no automatic checkpoint while a snapshot is written", async () => {
    const { engine, db } = makeSetup();
    const autocheckpoint = () =>
      (db.sqlite.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number })
        .wal_autocheckpoint;
    expect(autocheckpoint()).toBe(1000);
    const pending = engine.createBackup({ kind: "manual" });
    let seenPaused = false;
    while (engine.progress() !== null || !seenPaused) {
      if (autocheckpoint() === 0) seenPaused = true;
      if (engine.progress() === null && seenPaused) break;
      await Bun.sleep(0);
      if ((await Promise.race([pending.then(() => true), Promise.resolve(false)])) && !seenPaused) break;
    }
    await pending;
    expect(seenPaused).toBe(true);
    expect(autocheckpoint()).toBe(1000);
  });

  test("one operation at a time: a second one is told the engine is busy", async () => {
    const { engine } = makeSetup();
    const results = await Promise.allSettled([
      engine.createBackup({ kind: "manual" }),
      engine.createBackup({ kind: "manual" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(BackupBusyError);
    expect(engine.list()).toHaveLength(1);
  });

  test("not enough disk space: a clear error, logged, and no file left", async () => {
    const { engine, paths, readLog } = makeSetup({ freeSpace: () => 30 * 1024 * 1024 });
    const bigFile = dataPaths(paths.dataDir).database;
    // Make the database look larger than the free space by growing it.
    const filler = new Database(bigFile);
    filler.run("CREATE TABLE pad (x BLOB)");
    filler.run(
      "INSERT INTO pad SELECT randomblob(1048576) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 40) SELECT n FROM c)",
    );
    filler.close();
    const error = await engine.createBackup({ kind: "manual" }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEnoughSpaceError);
    expect(error.message).toMatch(/^not enough disk space \(needs \d+(\.\d)? MB, 30\.0 MB free\)$/);
    expect(await readLog()).toContain(`ERROR - Failed to create backup: ${error.message}`);
    expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db") || f.endsWith(".tmp"))).toEqual([]);
    expect(engine.lastError?.message).toContain("not enough disk space");
  });

  test("a backup folder replaced by a file is a clear error", async () => {
    const { engine, paths } = makeSetup();
    rmSync(paths.backupsDir, { recursive: true });
    writeFileSync(paths.backupsDir, "not a folder");
    const error = await engine.createBackup({ kind: "manual" }).catch((e) => e);
    expect(error).toBeInstanceOf(BackupFolderError);
    expect(error.message).toContain("is not a folder");
  });

  test("a missing backup folder is created", async () => {
    const { engine, paths } = makeSetup();
    expect(existsSync(paths.backupsDir)).toBe(true); // the log made it
    rmSync(paths.backupsDir, { recursive: true });
    await engine.createBackup({ kind: "manual" });
    expect(engine.list()).toHaveLength(1);
  });
});

/** Retention by count alone: no backup kept for its day, week, month or year. */
const NO_CALENDAR = {
  BUSINESS_APP_KEEP_DAILY: "0",
  BUSINESS_APP_KEEP_WEEKLY: "0",
  BUSINESS_APP_KEEP_MONTHLY: "0",
  BUSINESS_APP_KEEP_YEARLY: "0",
};

describe("retention", () => {
  test("by calendar: the newest of each of the last days and months stay on disk; nothing goes while the last automatic backup failed", async () => {
    const clock = manualClock(new Date(2025, 7, 10, 8, 0, 0));
    const env = { ...NO_CALENDAR, BUSINESS_APP_MAX_BACKUPS: "1", BUSINESS_APP_KEEP_DAILY: "2" };
    const { engine, paths } = makeSetup({ clock, env: { ...env, BUSINESS_APP_KEEP_MONTHLY: "2" } });
    const at = async (when: Date) => {
      clock.advance(when.getTime() - clock().getTime());
      const made = await engine.createBackup({ kind: "automatic" });
      await engine.settled();
      return made.name;
    };
    const times = [
      new Date(2025, 7, 10, 8),
      new Date(2025, 7, 20, 8),
      new Date(2025, 8, 20, 8),
      new Date(2025, 8, 21, 10),
      new Date(2025, 8, 21, 18),
      new Date(2025, 8, 22, 8),
      new Date(2025, 8, 22, 14),
    ];
    const made: string[] = [];
    for (const when of times) made.push(await at(when));
    const onDisk = () =>
      readdirSync(paths.backupsDir)
        .filter((n) => n.endsWith(".db"))
        .sort()
        .reverse();
    // The newest (max_backups 1), the newest of yesterday (keep_daily 2), the newest of August (keep_monthly 2).
    expect(onDisk()).toEqual([made[6] as string, made[4] as string, made[1] as string]);
    // The last automatic backup failed after the newest: a backup by hand removes nothing.
    clock.advance(new Date(2025, 8, 23, 8).getTime() - clock().getTime());
    recordFailedAutomaticBackup(paths.backupsDir, clock());
    clock.advance(3_600_000);
    const manual = (await engine.createBackup({ kind: "manual" })).name;
    await engine.settled();
    expect(onDisk()).toEqual(
      [made[6] as string, made[4] as string, made[1] as string, manual].sort().reverse(),
    );
    // An automatic backup that works again: yesterday's 18:00 is no longer one of the last 2 days.
    const next = await at(new Date(2025, 8, 23, 14));
    expect(onDisk()).toEqual([next, made[6] as string, made[1] as string, manual].sort().reverse());
  });

  test("keeps the newest max_backups verified automatic backups and logs each removal", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 8, 0, 0));
    const { engine, readLog } = makeSetup({ clock, env: { BUSINESS_APP_MAX_BACKUPS: "3", ...NO_CALENDAR } });
    const manual = await engine.createBackup({ kind: "manual" });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(6 * 3600 * 1000);
      made.push((await engine.createBackup({ kind: "automatic" })).name);
    }
    // Beside a serving app, old backups go after the new one is listed, with its full check.
    await engine.settled();
    const names = engine.list().map((r) => r.name);
    expect(names).toEqual([...made.slice(2).reverse(), manual.name]);
    const log = await readLog();
    expect(log).toContain(`INFO - Removed old backup: ${made[0]}`);
    expect(log).toContain(`INFO - Removed old backup: ${made[1]}`);
  });

  test("damaged backups are neither counted as kept nor deleted", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 8, 0, 0));
    const { engine, paths } = makeSetup({ clock, env: { BUSINESS_APP_MAX_BACKUPS: "2", ...NO_CALENDAR } });
    // Three damaged "automatic" backups newer than anything the engine will make.
    for (const stamp of ["20300101_000000", "20300102_000000", "20300103_000000"]) {
      writeFileSync(join(paths.backupsDir, `backup_${stamp}.db`), "garbage, not a database");
    }
    await engine.checks.verifyNew();
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(3600 * 1000);
      made.push((await engine.createBackup({ kind: "automatic" })).name);
    }
    await engine.settled();
    const listing = engine.list();
    const healthy = listing.filter((r) => r.health === "verified").map((r) => r.name);
    expect(healthy).toEqual(made.slice(2).reverse());
    expect(listing.filter((r) => r.health === "damaged")).toHaveLength(3);
  });

  test("the newest startup backup is startup_backup.db; the ones before are kept under their time, as many as max_startup_backups", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 8, 0, 0));
    const { engine, db, paths } = makeSetup({ clock, env: { BUSINESS_APP_MAX_STARTUP_BACKUPS: "3" } });
    for (const item of ["first", "second", "third", "fourth"]) {
      addItems(db, [item]);
      const made = await engine.createBackup({ kind: "startup" });
      expect(made.name).toBe("startup_backup.db");
      clock.advance(3600 * 1000);
    }
    await engine.settled();
    expect(engine.list().map((r) => r.name)).toEqual([
      "startup_backup.db",
      "startup_20250922_100000.db",
      "startup_20250922_090000.db",
    ]);
    expect(itemNames(join(paths.backupsDir, "startup_backup.db"))).toEqual([
      "first",
      "second",
      "third",
      "fourth",
    ]);
    expect(itemNames(join(paths.backupsDir, "startup_20250922_090000.db"))).toEqual(["first", "second"]);
    const kept = engine.find("startup_20250922_100000.db");
    expect(kept).toMatchObject({ kind: "startup", health: "verified", databaseId: db.identity });
    // Nothing hidden stays in the folder.
    expect(readdirSync(paths.backupsDir).filter((f) => f.startsWith("."))).toEqual([]);
  });
});

describe("verifying", () => {
  test("verify of every backup holds the lock once, tells of each check as it starts, and finds the damaged one", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 8, 0, 0));
    const { engine, paths } = makeSetup({ clock });
    const made: string[] = [];
    for (let i = 0; i < 2; i++) {
      clock.advance(3600 * 1000);
      made.push((await engine.createBackup({ kind: "manual" })).name);
    }
    await engine.settled();
    writeFileSync(join(paths.backupsDir, "backup_20300101_000000.db"), "garbage, not a database");
    const heard: string[] = [];
    const between: Promise<unknown>[] = [];
    const results = await engine.checks.verify(undefined, (record, i, count) => {
      heard.push(`${record.name} ${i + 1}/${count}`);
      // Another operation between two checks finds the lock still held.
      between.push(
        engine.createBackup({ kind: "manual" }).then(
          () => "made",
          (error) => error,
        ),
      );
    });
    const listed = engine.list().map((r) => r.name);
    expect(heard).toEqual(listed.map((name, i) => `${name} ${i + 1}/3`));
    expect(results.map((r) => r.health)).toEqual(["damaged", "verified", "verified"]);
    for (const outcome of await Promise.all(between)) expect(outcome).toBeInstanceOf(BackupBusyError);
  });

  test("a backup without a recorded full check gets one in the background beside a serving app", async () => {
    const { engine, paths } = makeSetup();
    // Made by a command beside the app (no connection of its own), which stopped before its check.
    const where = { flags: { data_dir: paths.dataDir }, env: {}, appDir: paths.dataDir, cwd: paths.dataDir };
    const made = await createApp(where, { connection: "none", echo: null }).engine.createBackup({
      kind: "manual",
    });
    expect(made.health).toBe("verified");
    expect(passedFullCheck(engine.find(made.name))).toBe(false);

    engine.checks.checkUnprovenLater();
    await engine.settled();
    const checked = engine.find(made.name);
    expect(passedFullCheck(checked)).toBe(true);
    expect(checked.fullCheck?.sha256).toBe(made.sha256 as string);
  });

  test.skipIf(missing("sqlite3"))(
    "a backup's full check tells the damage it found when another process holds the lock and it cannot be recorded",
    async () => {
      const { paths, db } = makeSetup();
      addItems(db, ["apples", "pears", "plums", "figs"]);
      db.sqlite.run("CREATE INDEX items_name ON items(name)");
      db.close();
      putOutOfStep(paths.database, "items_name", "UPDATE items SET name = 'changed ' || id WHERE id % 2 = 0");
      db.open();
      const cli = createApp(
        { flags: { data_dir: paths.dataDir }, env: {}, appDir: paths.dataDir, cwd: paths.dataDir },
        { connection: "none", echo: null },
      );
      const made = await cli.engine.createBackup({ kind: "manual" });
      expect(made.health).toBe("verified");
      const lock = acquireFileLock(paths.operationLock);
      try {
        const { inspected, listed, unrecorded } = await cli.engine.checks.checkMade(made);
        expect(inspected).toMatchObject({ health: "damaged" });
        expect(inspected.reason).toContain("missing from index items_name");
        expect(listed).toMatchObject({ name: made.name, health: "verified" });
        expect(unrecorded).toBeNull();
      } finally {
        lock.release();
      }
      // Free again: the same check is recorded.
      const again = await cli.engine.checks.checkMade(made);
      expect(again.listed).toMatchObject({ health: "damaged" });
    },
  );
});

describe("listing", () => {
  test("a hand-copied .db appears as external, is checked on first sight, and survives a lost manifest", async () => {
    const { engine, paths } = makeSetup();
    const made = await engine.createBackup({ kind: "manual" });
    const copy = join(paths.backupsDir, "copy from usb.db");
    writeFileSync(copy, readFileSync(join(paths.backupsDir, made.name)));
    const seen = engine.list().find((r) => r.name === "copy from usb.db");
    expect(seen?.kind).toBe("external");
    expect(seen?.health).toBe("unchecked");
    await engine.checks.verifyNew();
    // Beside a serving app the check runs in the background.
    await engine.settled();
    const checked = engine.list().find((r) => r.name === "copy from usb.db");
    expect(checked?.health).toBe("verified");
    expect(checked?.sha256).toBe(made.sha256);

    writeFileSync(join(paths.backupsDir, "manifest.json"), "{ garbage");
    const rebuilt = engine.list();
    expect(rebuilt.map((r) => r.name).sort()).toEqual(["copy from usb.db", made.name].sort());
    expect(rebuilt.find((r) => r.name === made.name)?.kind).toBe("manual");
  });

  test("a manifest entry whose file is gone disappears; links are never listed", async () => {
    const { engine, paths } = makeSetup();
    const made = await engine.createBackup({ kind: "manual" });
    rmSync(join(paths.backupsDir, made.name));
    const outside = join(tempDir(), "outside.db");
    writeFileSync(outside, readFileSync(paths.database));
    symlinkSync(outside, join(paths.backupsDir, "link.db"));
    expect(engine.list()).toEqual([]);
  });
});

function damage(path: string, how: "truncate" | "flip-data" | "flip-header" | "empty" | "text") {
  const bytes = readFileSync(path);
  switch (how) {
    case "truncate":
      return writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    case "flip-data": {
      // Flip bytes in every page after the first: b-tree pages become unreadable.
      for (let offset = 4096 + 8; offset < bytes.length; offset += 4096)
        bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
      return writeFileSync(path, bytes);
    }
    case "flip-header":
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      return writeFileSync(path, bytes);
    case "empty":
      return writeFileSync(path, "");
    case "text":
      return writeFileSync(path, "These are my notes, not a database.");
  }
}

describe("restore", () => {
  test("round trip: the old rows are back, the pre-restore backup holds the changed ones, sessions end", async () => {
    const { engine, db, paths, readLog } = makeSetup();
    addItems(db, ["apples", "pears"]);
    const backup = await engine.createBackup({ kind: "manual", description: "good state" });
    addItems(db, ["plums"]);
    db.sqlite.run("DELETE FROM items WHERE name = 'apples'");
    const now = new Date();
    const user = db.orm
      .insert(users)
      .values({ username: "anna", passwordHash: "x", role: "super_admin", createdAt: now, updatedAt: now })
      .returning()
      .get();
    db.orm
      .insert(sessions)
      .values({
        tokenHash: "t",
        userId: user.id,
        csrfToken: "c",
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now,
        clientAddress: null,
      })
      .run();
    let hookRan = false;
    engine.events.onRestored((restored) => {
      hookRan = true;
      restored.sqlite.run("DELETE FROM sessions");
    });

    const result = await engine.restore(backup.name, { by: "anna" });
    expect(result.restoredFrom).toBe(backup.name);
    expect(result.safetyBackup).toMatch(/^pre_restore_\d{8}_\d{6}\.db$/);
    // Reopened in place: the same handle answers with the restored rows.
    expect(itemNames(db)).toEqual(["apples", "pears"]);
    expect(itemNames(join(paths.backupsDir, result.safetyBackup as string))).toEqual(["pears", "plums"]);
    expect(db.sqlite.query("SELECT count(*) AS n FROM sessions").get()).toEqual({ n: 0 });
    expect(hookRan).toBe(true);
    expect(existsSync(`${paths.database}.restore-tmp`)).toBe(false);
    const log = await readLog();
    expect(log).toContain(
      `INFO - Database restore from ${backup.name} by anna completed; safety backup: ${result.safetyBackup}`,
    );
    expect(engine.list().find((r) => r.name === result.safetyBackup)?.kind).toBe("pre_restore");
  });

  test.each(["truncate", "flip-data", "flip-header", "empty", "text"] as const)(
    "a %s backup is listed as damaged, refused, and skipped by emergency restore",
    async (how) => {
      const clock = manualClock(new Date(2025, 0, 1, 9, 0, 0));
      const { engine, db, paths } = makeSetup({ clock });
      db.sqlite.run("CREATE TABLE big (x BLOB)");
      db.sqlite.run(
        "INSERT INTO big SELECT randomblob(3000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 40) SELECT n FROM c)",
      );
      addItems(db, ["good"]);
      const good = await engine.createBackup({ kind: "manual", description: "good" });
      clock.advance(60_000);
      addItems(db, ["newer"]);
      const bad = await engine.createBackup({ kind: "manual", description: "to be damaged" });
      damage(join(paths.backupsDir, bad.name), how);
      addItems(db, ["latest"]);

      const error = await engine.restore(bad.name).catch((e) => e);
      expect(error).toBeInstanceOf(BackupUnusableError);
      expect(itemNames(db)).toEqual(["good", "newer", "latest"]);
      expect(engine.list().find((r) => r.name === bad.name)?.health).toBe("damaged");

      const result = await engine.emergencyRestore({ by: "boss" });
      expect(result.restoredFrom).toBe(good.name);
      expect(itemNames(db)).toEqual(["good"]);
    },
  );

  test("a foreign SQLite file, a newer version's file and one with a -wal beside it are refused", async () => {
    const { engine, paths } = makeSetup();
    const foreign = new Database(join(paths.backupsDir, "other_app.db"));
    foreign.run("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    foreign.close();
    const made = await engine.createBackup({ kind: "manual", description: "newer" });
    const newer = new Database(join(paths.backupsDir, made.name));
    newer.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
    newer.close();
    const withWal = await engine.createBackup({ kind: "manual", description: "wal" });
    writeFileSync(join(paths.backupsDir, `${withWal.name}-wal`), "stray wal");

    const reasons: Record<string, string> = {};
    for (const name of ["other_app.db", made.name, withWal.name]) {
      const error = await engine.restore(name).catch((e) => e);
      expect(error).toBeInstanceOf(BackupUnusableError);
      reasons[name] = error.message;
    }
    expect(reasons["other_app.db"]).toContain("not a BusinessApp database");
    expect(reasons[made.name]).toContain("newer version of BusinessApp");
    expect(reasons[withWal.name]).toContain("-wal file");
  });

  test("a failure at each step of the swap leaves the database entirely old or entirely restored", async () => {
    for (const failAt of ["copy", "flush-copy", "remove-wal", "rename", "flush-folder"] as const) {
      let armed = true;
      const { engine, db } = makeSetup({
        beforeRestoreStep: (step) => {
          if (armed && step === failAt) throw new Error(`injected failure at ${step}`);
        },
      });
      addItems(db, ["old"]);
      const backup = await engine.createBackup({ kind: "manual" });
      addItems(db, ["newer"]);
      const error = await engine.restore(backup.name).catch((e) => e);
      expect(String(error)).toContain(`injected failure at ${failAt}`);
      armed = false;
      // The database is open and answering either way.
      const names = itemNames(db);
      if (failAt === "flush-folder") expect(names).toEqual(["old"]);
      else expect(names).toEqual(["old", "newer"]);
      expect(db.sqlite.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    }
  });

  test("restoring the oldest safety backup never deletes it through retention", async () => {
    const clock = manualClock(new Date(2025, 0, 1, 9, 0, 0));
    const { engine, db, paths } = makeSetup({ clock, env: { BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1" } });
    addItems(db, ["first"]);
    const manual = await engine.createBackup({ kind: "manual" });
    clock.advance(1000);
    const one = await engine.restore(manual.name);
    clock.advance(1000);
    addItems(db, ["later"]);
    // The only safety backup is the one restored now; the new safety copy must not push it out first.
    const two = await engine.restore(one.safetyBackup as string);
    expect(two.restoredFrom).toBe(one.safetyBackup as string);
    expect(existsSync(join(paths.backupsDir, one.safetyBackup as string))).toBe(true);
    expect(itemNames(db)).toEqual(["first"]);
  });

  test("names are looked up in the listing, never used as paths", async () => {
    const { engine } = makeSetup();
    await engine.createBackup({ kind: "manual" });
    for (const name of [
      "../business_data.db",
      "/etc/passwd",
      "..%2fbusiness_data.db",
      "a\u0000.db",
      "C:\\x.db",
    ]) {
      const error = await engine.restore(name).catch((e) => e);
      expect(error instanceof InvalidBackupNameError || error instanceof BackupNotFoundError).toBe(true);
    }
    expect(await engine.restore("missing.db").catch((e) => e)).toBeInstanceOf(BackupNotFoundError);
  });

  test("emergency restore with nothing usable says so and changes nothing", async () => {
    const { engine, db, paths } = makeSetup();
    addItems(db, ["kept"]);
    writeFileSync(join(paths.backupsDir, "backup_20250101_000000.db"), "junk");
    const error = await engine.emergencyRestore().catch((e) => e);
    expect(error.code).toBe("backup.none_usable");
    expect(itemNames(db)).toEqual(["kept"]);
  });
});

describe("delete", () => {
  test("the newest healthy backup cannot be deleted; others can", async () => {
    const clock = manualClock(new Date(2025, 0, 1, 9, 0, 0));
    const { engine, readLog } = makeSetup({ clock });
    const older = await engine.createBackup({ kind: "manual" });
    clock.advance(1000);
    const newest = await engine.createBackup({ kind: "manual" });
    expect(await engine.deleteBackup(newest.name).catch((e) => e)).toBeInstanceOf(ProtectedBackupError);
    await engine.deleteBackup(older.name, { by: "boss" });
    expect(engine.list().map((r) => r.name)).toEqual([newest.name]);
    expect(await readLog()).toContain(`Backup deleted: ${older.name} by boss`);
  });
});
