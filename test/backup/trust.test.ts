import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { restoreTempPath } from "../../src/backup/catalog/leftovers.ts";
import { BackupUnusableError, NoUsableBackupError } from "../../src/backup/errors.ts";
import { openBackupFile } from "../../src/backup/inspect/checks.ts";
import { expectedSchema, readSchemaRows } from "../../src/backup/inspect/schema-shape.ts";
import { checkSchemaTrust } from "../../src/backup/inspect/trust.ts";
import type { DatabaseHandle } from "../../src/db/handle.ts";
import { JOURNAL_ENTRIES } from "../../src/db/migrations.ts";
import { CRAFTED_CASES, craftBackup, craftedCase } from "./crafted.ts";
import { addItems, itemNames, makeSetup } from "./fixtures.ts";

/** Everything a restore would change: the schema and every row the tests look at. */
function stateOf(db: DatabaseHandle) {
  return {
    schema: db.sqlite.query("SELECT type, name, sql FROM sqlite_master ORDER BY name").all(),
    items: itemNames(db),
    users: db.sqlite.query("SELECT * FROM users").all(),
    sessions: db.sqlite.query("SELECT * FROM sessions").all(),
  };
}

describe("the trust rule for backup files", () => {
  for (const which of CRAFTED_CASES) {
    if (which.reason === null) continue;
    test(`a backup with ${which.what} is damaged with the reason, refused by restore, and nothing changes`, async () => {
      const { engine, db, readLog } = makeSetup();
      addItems(db, ["kept"]);
      db.sqlite.run(
        "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('anna', 'h', 'user', 0, 0)",
      );
      const before = stateOf(db);
      craftBackup(which, engine.backupsDir);
      const name = `${which.name}.db`;

      const [checked] = await engine.checks.verify([name]);
      expect(checked?.health).toBe("damaged");
      expect(checked?.reason).toBe(which.reason);
      const error = await engine.restore(name).catch((e) => e);
      expect(error).toBeInstanceOf(BackupUnusableError);
      expect(error.message).toBe(`The backup ${name} cannot be restored: ${which.reason}.`);
      expect(stateOf(db)).toEqual(before);
      expect(engine.list().filter((r) => r.kind === "pre_restore")).toEqual([]);
      expect(await engine.emergencyRestore().catch((e) => e)).toBeInstanceOf(NoUsableBackupError);
      expect(await readLog()).toContain(`WARNING - Backup ${name} failed its check: ${which.reason}`);
    });
  }

  test("the shop's own plain table with its own index is kept, reported, and restored", async () => {
    const { engine, db, paths } = makeSetup();
    db.sqlite.run("DROP TABLE items");
    craftBackup(craftedCase("shop_items"), engine.backupsDir);

    const [checked] = await engine.checks.verify(["shop_items.db"]);
    expect(checked?.health).toBe("verified");
    expect(checked?.unknownTables).toEqual(["items"]);
    const manifest = JSON.parse(readFileSync(join(paths.backupsDir, "manifest.json"), "utf8"));
    expect(manifest.backups["shop_items.db"].unknownTables).toEqual(["items"]);

    await engine.restore("shop_items.db");
    // The restored database is checked once the app answers again.
    await engine.settled();
    expect(itemNames(db)).toEqual(["apples"]);
    expect(engine.health.current).toMatchObject({ ok: true, full: false });
    expect(db.sqlite.query("SELECT name FROM sqlite_master WHERE name = 'items_name'").all()).toHaveLength(1);
  });

  test("a backup the app made of a live database holding a foreign trigger is refused too", async () => {
    const { engine, db } = makeSetup();
    addItems(db, ["kept"]);
    db.sqlite.run(craftedCase("session_trigger").sql);
    const made = await engine.createBackup({ kind: "manual", description: "from a tampered database" });
    db.sqlite.run("DROP TRIGGER keep_session");
    const before = stateOf(db);

    const [checked] = await engine.checks.verify([made.name]);
    expect(checked?.health).toBe("damaged");
    expect(checked?.reason).toBe("trigger `keep_session` is not part of BusinessApp's schema");
    expect(await engine.restore(made.name).catch((e) => e)).toBeInstanceOf(BackupUnusableError);
    expect(stateOf(db)).toEqual(before);
  });

  test("a copy changed between the check and the swap is refused before the rename; the backup is not blamed", async () => {
    let tamper = true;
    const { engine, db, paths } = makeSetup({
      beforeRestoreStep: (step) => {
        if (!tamper || step !== "flush-copy") return;
        const copy = new Database(restoreTempPath(paths.database));
        copy.run(craftedCase("password_trigger").sql);
        copy.close();
      },
    });
    addItems(db, ["old"]);
    const backup = await engine.createBackup({ kind: "manual" });
    addItems(db, ["newer"]);

    const error = await engine.restore(backup.name).catch((e) => e);
    expect(error).toBeInstanceOf(BackupUnusableError);
    // The copy's hash is not the checked one's: the trigger never reaches the database.
    expect(error.message).toContain(
      "its copy beside the database came out different from it (SHA-256 differs)",
    );
    expect(engine.find(backup.name).health).toBe("verified");
    expect(itemNames(db)).toEqual(["old", "newer"]);
    expect(db.sqlite.query("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()).toEqual([]);
    expect(existsSync(restoreTempPath(paths.database))).toBe(false);
    tamper = false;
    await engine.restore(backup.name);
    expect(itemNames(db)).toEqual(["old"]);
  });

  test("the expected schema is the app's own, built once per migration count", () => {
    const { db } = makeSetup();
    const expected = expectedSchema(JOURNAL_ENTRIES.length);
    expect(expectedSchema(JOURNAL_ENTRIES.length)).toBe(expected);
    const live = readSchemaRows(db.sqlite);
    for (const row of expected.rows) expect(live).toContainEqual(row);
    // The live database also holds the fixture's own `items`: the only table the app does not know.
    expect(live.filter((row) => !expected.byName.has(row.name)).map((row) => row.name)).toEqual(["items"]);
    // The check reads the file alone, never its WAL: the schema must be in the file.
    db.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const file = openBackupFile(db.path);
    expect(checkSchemaTrust(file)).toEqual({
      ok: true,
      reason: null,
      unknownTables: ["items"],
      migrations: 2,
    });
    file.close();
  });
});
