import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackupUnusableError } from "../../src/backup/errors.ts";
import { RebuildError, rebuildDatabase } from "../../src/backup/inspect/rebuild.ts";
import { embeddedMigrations } from "../../src/db/migrations.ts";
import { createOrm, migrate } from "../../src/db/open.ts";
import { tempDir } from "../helpers.ts";
import { craftBackup, craftedCase } from "./crafted.ts";
import { addItems, itemNames, makeSetup } from "./fixtures.ts";

/** A database of this app with the shop's own tables of many shapes, made as another tool would. */
function foreignFile(options: { encoding?: string } = {}): string {
  const path = join(tempDir("business-app-foreign-"), "foreign.db");
  const db = new Database(path, { create: true });
  if (options.encoding) db.run(`PRAGMA encoding = '${options.encoding}'`);
  db.run("PRAGMA journal_mode = DELETE");
  migrate(createOrm(db), embeddedMigrations());
  db.run(
    "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('boss', 'h', 'super_admin', 0, 0)",
  );
  // Entries dated 2099: a file may say anything in its audit_log.
  db.run(
    "INSERT INTO audit_log (at, username, action, outcome) VALUES (4070908800000, 'boss', 'user.delete', 'success')",
  );
  db.run(`
    CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL CHECK (length(name) > 0) DEFAULT ('x'), code TEXT UNIQUE COLLATE NOCASE);
    CREATE INDEX items_name ON items (name DESC);
    INSERT INTO items (id, name, code) VALUES (3, 'Äpfel', 'a'), (10, 'pears', 'B');
    DELETE FROM items WHERE id = 10;
    CREATE TABLE notes (body TEXT, owner INTEGER REFERENCES items(id) ON DELETE CASCADE);
    INSERT INTO notes (rowid, body, owner) VALUES (77, 'kept with its rowid', 3), (-5, NULL, NULL);
    CREATE TABLE codes (code TEXT PRIMARY KEY, n INT) WITHOUT ROWID;
    INSERT INTO codes VALUES ('b', 2), ('a', 1);
    CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INT NOT NULL, memo ANY) STRICT;
    INSERT INTO ledger VALUES (1, 5, x'00'), (2, -7, 1.5);
    CREATE TABLE loose (n INT PRIMARY KEY, v);
    INSERT INTO loose VALUES ('not a number', 1);
  `);
  db.close();
  return path;
}

const tableSql = (db: Database, name: string) =>
  db.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_schema WHERE name = ?").get(name)?.sql ?? "";

describe("rebuilding a foreign file", () => {
  test("the shop's tables come back with every row, rowid, key, UNIQUE constraint and plain index; nothing of their statements", () => {
    const source = foreignFile();
    const target = join(tempDir(), "rebuilt.db");
    const result = rebuildDatabase(source, target);
    // The audit trail is not carried: it lives in its own file, which no restore reaches.
    expect(result.rowCounts).toEqual({
      sessions: 0,
      users: 1,
      items: 1,
      notes: 2,
      codes: 2,
      ledger: 2,
      loose: 1,
    });
    const db = new Database(target, { readonly: true });
    try {
      expect(db.query("SELECT rowid, * FROM notes ORDER BY rowid").all()).toEqual([
        { rowid: -5, body: null, owner: null },
        { rowid: 77, body: "kept with its rowid", owner: 3 },
      ]);
      expect(db.query("SELECT * FROM items").all()).toEqual([{ id: 3, name: "Äpfel", code: "a" }]);
      expect(db.query("SELECT * FROM codes").all()).toEqual([
        { code: "a", n: 1 },
        { code: "b", n: 2 },
      ]);
      expect(db.query("SELECT id, amount, typeof(memo) AS t FROM ledger").all()).toEqual([
        { id: 1, amount: 5, t: "blob" },
        { id: 2, amount: -7, t: "real" },
      ]);
      // A key of INT affinity that is not the rowid keeps a text value as it was.
      expect(db.query("SELECT n, typeof(n) AS t FROM loose").get()).toEqual({ n: "not a number", t: "text" });
      expect(db.query("SELECT name, seq FROM sqlite_sequence WHERE name = 'items'").get()).toEqual({
        name: "items",
        seq: 10,
      });
      const items = tableSql(db, "items");
      expect(items).not.toContain("CHECK");
      expect(items).not.toContain("DEFAULT");
      expect(tableSql(db, "notes")).not.toContain("REFERENCES");
      const kinds = db.query("SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'").all();
      expect(kinds).toContainEqual({ name: "codes", wr: 1, strict: 0 });
      expect(kinds).toContainEqual({ name: "ledger", wr: 0, strict: 1 });
      expect(db.query("SELECT name, origin FROM pragma_index_list('items') ORDER BY name").all()).toEqual([
        { name: "items_name", origin: "c" },
        { name: "sqlite_autoindex_items_1", origin: "u" },
      ]);
      expect(
        db.query("SELECT coll FROM pragma_index_xinfo('sqlite_autoindex_items_1') WHERE key = 1").get(),
      ).toEqual({ coll: "NOCASE" });
      expect(db.query("SELECT type FROM sqlite_schema WHERE type NOT IN ('table', 'index')").all()).toEqual(
        [],
      );
    } finally {
      db.close();
    }
    // What the keys and constraints still refuse.
    const writer = new Database(target);
    expect(() => writer.run("INSERT INTO items (name, code) VALUES ('x', 'A')")).toThrow(/UNIQUE/);
    expect(() => writer.run("INSERT INTO items (code) VALUES ('new')")).toThrow(/NOT NULL/);
    expect(() => writer.run("INSERT INTO ledger (amount) VALUES ('five')")).toThrow(/cannot store TEXT/);
    writer.run("INSERT INTO items (name) VALUES ('next')");
    // INTEGER PRIMARY KEY is still the rowid.
    expect(writer.query("SELECT id = rowid AS same FROM items WHERE name = 'next'").get()).toEqual({
      same: 1,
    });
    writer.close();
  });

  test("a UTF-16 file is rebuilt in its own encoding, every character as it was", () => {
    const source = foreignFile({ encoding: "UTF-16le" });
    const target = join(tempDir(), "rebuilt16.db");
    rebuildDatabase(source, target);
    const db = new Database(target, { readonly: true });
    expect(db.query("PRAGMA encoding").get()).toEqual({ encoding: "UTF-16le" });
    expect(db.query("SELECT name FROM items").get()).toEqual({ name: "Äpfel" });
    db.close();
  });

  test("the source is judged again: a file the trust rule refuses is not rebuilt", () => {
    const source = craftBackup(craftedCase("trigger_named_like_index"));
    const target = join(tempDir(), "never.db");
    expect(() => rebuildDatabase(source, target)).toThrow(RebuildError);
  });
});

describe("restoring: what the app made goes in as it is, anything else rebuilt", () => {
  test("its own backup keeps the shop's statements; the same file copied in by hand is rebuilt without them", async () => {
    const { engine, db, paths } = makeSetup();
    db.sqlite.run("CREATE TABLE prices (sku TEXT CHECK (length(sku) = 4), cents INT DEFAULT 0)");
    db.sqlite.run("INSERT INTO prices VALUES ('A001', 250)");
    addItems(db, ["kept"]);
    const own = await engine.createBackup({ kind: "manual" });
    expect(engine.find(own.name).origin).toBe("snapshot");
    copyFileSync(join(paths.backupsDir, own.name), join(paths.backupsDir, "by_hand.db"));
    addItems(db, ["later"]);

    await engine.restore(own.name);
    expect(itemNames(db)).toEqual(["kept"]);
    expect(tableSql(db.sqlite as unknown as Database, "prices")).toContain("CHECK");

    await engine.restore("by_hand.db");
    expect(itemNames(db)).toEqual(["kept"]);
    expect(db.sqlite.query("SELECT * FROM prices").all()).toEqual([{ sku: "A001", cents: 250 }]);
    const rebuilt = tableSql(db.sqlite as unknown as Database, "prices");
    expect(rebuilt).not.toContain("CHECK");
    expect(rebuilt).not.toContain("DEFAULT");
  });

  test("an upload is kept as its rebuild, recorded as made by the app", async () => {
    const { engine } = makeSetup();
    const sent = foreignFile();
    const temp = engine.uploadTempPath();
    writeFileSync(temp, readFileSync(sent));
    const record = await engine.importUpload({
      tempPath: temp,
      description: "",
      originalName: "shop.db",
      by: "boss",
    });
    expect(record.origin).toBe("rebuilt");
    expect(record.unknownTables?.sort()).toEqual(["codes", "items", "ledger", "loose", "notes"]);
    expect(record.rowCounts).toMatchObject({ items: 1, notes: 2, codes: 2, ledger: 2, loose: 1, users: 1 });
    const stored = new Database(join(engine.backupsDir, record.name), { readonly: true });
    expect(tableSql(stored, "items")).not.toContain("CHECK");
    stored.close();
  });

  test("a file that fails the trust rule once in place is swapped out again: the database is as it was", async () => {
    let tamper = false;
    const { engine, db, paths, readLog } = makeSetup({
      beforeRestoreStep: (step) => {
        if (!tamper || step !== "flush-folder") return;
        // Between the rename and the first use: someone writes a trigger into the file now in place.
        const file = new Database(paths.database);
        file.run(craftedCase("session_trigger").sql);
        file.close();
      },
    });
    addItems(db, ["old"]);
    const backup = await engine.createBackup({ kind: "manual" });
    addItems(db, ["newer"]);
    tamper = true;
    const error = await engine.restore(backup.name).catch((e) => e);
    tamper = false;
    expect(error).toBeInstanceOf(BackupUnusableError);
    expect(error.message).toContain("the database was put back as it was");
    expect(error.message).toContain("trigger `keep_session` is not part of BusinessApp's schema");
    expect(db.isOpen).toBe(true);
    expect(itemNames(db)).toEqual(["old", "newer"]);
    expect(db.sqlite.query("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all()).toEqual([]);
    // The safety backup of the attempt is gone again: the database it holds is the one in place.
    expect(engine.list().filter((r) => r.kind === "pre_restore")).toEqual([]);
    expect(await readLog()).toContain("failed (the database was put back as it was)");
  });
});

describe("the audit trail is out of a restore's reach", () => {
  test("a file with forged audit entries is restored without them: the trail keeps what it had", async () => {
    const { app, engine, paths } = makeSetup();
    app.auth.audit.record({
      action: "sign-in",
      outcome: "success",
      userId: null,
      username: "anna",
      clientAddress: "127.0.0.1",
    });
    const trail = () => {
      const db = new Database(paths.audit, { readonly: true });
      try {
        return db
          .query<{ username: string; target: string | null }, []>(
            "SELECT username, target FROM audit_log ORDER BY id",
          )
          .all();
      } finally {
        db.close();
      }
    };
    const before = trail();
    expect(before.map((e) => e.username)).toContain("anna");
    const source = foreignFile();
    const forged = new Database(source);
    forged.run(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100)
      INSERT INTO audit_log (at, username, action, target, outcome) SELECT 4070908800000 + i, 'boss', 'user.delete', 'forged ' || i, 'success' FROM c`);
    forged.close();
    copyFileSync(source, join(paths.backupsDir, "with_forged_trail.db"));
    await engine.restore("with_forged_trail.db");
    await engine.settled();
    const after = trail();
    expect(after.filter((e) => e.target?.startsWith("forged"))).toEqual([]);
    expect(after.slice(0, before.length)).toEqual(before);
  });
});
