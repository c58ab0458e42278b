import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { openDatabase } from "../../src/app/lifecycle.ts";
import { UpdateBackupFailedError } from "../../src/app/upgrade.ts";
import { type AppOptions, createApp } from "../../src/app.ts";
import { planRetention } from "../../src/backup/catalog/retention.ts";
import { DatabaseTooNewError } from "../../src/db/migration-state.ts";
import { embeddedMigrations, LATEST_MIGRATION_MILLIS } from "../../src/db/migrations.ts";
import { sha256Hex } from "../../src/lib/hash.ts";
import { dataPaths, freePort, runCli, tempDir } from "../helpers.ts";

/** A migration only this test knows: the next version of the app adds a price list. */
const PRICE_LIST_SQL =
  "CREATE TABLE `price_list` (`id` integer PRIMARY KEY NOT NULL, `price` integer NOT NULL);";
const NEXT_VERSION: MigrationMeta[] = [
  ...embeddedMigrations(),
  {
    sql: [PRICE_LIST_SQL],
    bps: true,
    folderMillis: LATEST_MIGRATION_MILLIS + 86_400_000,
    hash: sha256Hex(PRICE_LIST_SQL),
  },
];

function appOn(dataDir: string, options: Omit<AppOptions, "echo"> = {}) {
  return createApp(
    { flags: { data_dir: dataDir }, env: {}, appDir: dataDir, cwd: dataDir },
    { echo: null, ...options },
  );
}

/** A data folder whose database this version of the app made, with some shop data in it. */
function databaseOfThisVersion(): string {
  const dataDir = tempDir("business-app-upgrade-");
  const app = appOn(dataDir);
  app.db.open();
  app.db.sqlite.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  app.db.sqlite.run("INSERT INTO items (name) VALUES ('flour'), ('sugar')");
  app.db.close();
  return dataDir;
}

const tables = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
};

const preUpdateBackups = (dataDir: string) =>
  readdirSync(dataPaths(dataDir).backupsDir).filter((n) => n.startsWith("pre_update_"));

describe("a backup before every update of the database", () => {
  test("a database of an older version is backed up, verified, and only then migrated", async () => {
    const dataDir = databaseOfThisVersion();
    const next = appOn(dataDir, { migrations: NEXT_VERSION });
    expect(await openDatabase(next)).toBeNull();
    expect(tables(next.paths.database)).toContain("price_list");
    const [name] = preUpdateBackups(dataDir);
    expect(name).toMatch(/^pre_update_\d{8}_\d{6}\.db$/);
    const record = next.engine.find(name as string);
    expect(record).toMatchObject({ kind: "pre_update", health: "verified", createdBy: "startup" });
    // The backup is the database as the older version left it: its data, without the new table.
    const backup = join(next.paths.backupsDir, name as string);
    expect(tables(backup)).not.toContain("price_list");
    expect(tables(backup)).toContain("items");
    // This version's own check accepts it as a backup of an older version, so it can be restored.
    expect((await next.engine.checks.verify([name as string]))[0]?.health).toBe("verified");
    const log = readFileSync(next.paths.log, "utf8");
    expect(log).toContain("written by an older version of BusinessApp (1 database update to apply)");
    expect(log).toContain(`the database as it was is kept as ${name}`);
    next.db.close();
    // Started again: nothing to update, no second backup.
    const again = appOn(dataDir, { migrations: NEXT_VERSION });
    expect(await openDatabase(again)).toBeNull();
    expect(preUpdateBackups(dataDir)).toHaveLength(1);
    again.db.close();
  });

  test("when that backup fails, nothing is migrated and the start is refused with the reason", async () => {
    const dataDir = databaseOfThisVersion();
    const next = appOn(dataDir, { migrations: NEXT_VERSION, freeSpace: () => 1024 });
    const refusal = await openDatabase(next).catch((error) => error);
    expect(refusal).toBeInstanceOf(UpdateBackupFailedError);
    expect(refusal.message).toContain("the backup taken before that failed (not enough disk space");
    expect(refusal.message).toContain("The database was not changed");
    expect(next.db.isOpen).toBe(false);
    expect(tables(next.paths.database)).not.toContain("price_list");
    expect(preUpdateBackups(dataDir)).toEqual([]);
  });

  test("a database of a newer version is refused, never opened or migrated backwards", async () => {
    const dataDir = databaseOfThisVersion();
    const next = appOn(dataDir, { migrations: NEXT_VERSION });
    await openDatabase(next);
    next.db.close();
    const before = sha256Hex(readFileSync(next.paths.database));
    const older = appOn(dataDir);
    const refusal = await openDatabase(older).catch((error) => error);
    expect(refusal).toBeInstanceOf(DatabaseTooNewError);
    expect(refusal.message).toContain(
      "written by a newer version of BusinessApp (it has 3 database updates, this version knows 2)",
    );
    expect(() => older.db.open()).toThrow(DatabaseTooNewError);
    expect(older.db.isOpen).toBe(false);
    expect(sha256Hex(readFileSync(older.paths.database))).toBe(before);
  });

  test("the commands refuse a database of a newer version with the reason and exit code 1", async () => {
    const dataDir = databaseOfThisVersion();
    const db = new Database(dataPaths(dataDir).database);
    db.run(
      `INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('next', ${LATEST_MIGRATION_MILLIS + 1000})`,
    );
    db.close();
    const serve = await runCli([
      "serve",
      "--data-dir",
      dataDir,
      "--port",
      String(freePort()),
      "--no-browser",
    ]);
    expect(serve.exitCode).toBe(1);
    expect(serve.stderr).toContain("The database was written by a newer version of BusinessApp");
    const users = await runCli(["user", "list", "--data-dir", dataDir]);
    expect(users.exitCode).toBe(1);
    expect(users.stderr).toContain("The database was written by a newer version of BusinessApp");
  });

  test("backups taken before updates are kept by their own limit", () => {
    const records = [4, 3, 2, 1].map((day) => ({
      name: `pre_update_2025092${day}_080000.db`,
      kind: "pre_update" as const,
      createdAt: `2025-09-2${day}T08:00:00.000Z`,
      size: 1,
      description: "",
      createdBy: "startup",
      health: "verified" as const,
      sha256: null,
      checkedAt: null,
      reason: null,
      sourceDamaged: false,
    }));
    const calendar = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
    const limits = { automatic: 10, calendar, manual: null, pre_restore: 5, pre_update: 3, startup: 3 };
    const facts = { now: new Date("2025-09-30T00:00:00Z"), automaticFailedAt: null };
    expect(planRetention(records, limits, facts).map((r) => r.name)).toEqual([
      "pre_update_20250921_080000.db",
    ]);
  });
});
