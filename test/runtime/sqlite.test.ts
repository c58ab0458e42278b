import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isDiskFull } from "#runtime/errors.ts";
import { immutableUri, isBusyError, openDatabase } from "#runtime/sqlite.ts";
import { openSqlite } from "../../src/db/connect.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import type { SqlDatabase } from "../../src/runtime/types.ts";
import { tempDir } from "../helpers.ts";
import { thrownBy } from "./thrown-by.ts";

function count(db: ReturnType<typeof openDatabase>): number {
  return (db.query<{ n: number }, []>("SELECT count(*) AS n FROM items").get() as { n: number }).n;
}

describe("openDatabase", () => {
  test("a connection does not wait for a busy file unless told to (Deno's side: deno-checks.ts)", () => {
    const db = openDatabase(join(tempDir(), "waits.db"));
    expect({ ...(db.query("PRAGMA busy_timeout").get() as object) }).toEqual({ timeout: 0 });
    db.close();
  });

  test("every connection distrusts the schema: a view may not read a pragma's table", () => {
    const path = join(tempDir(), "views.db");
    const maker = openDatabase(path);
    maker.run("CREATE TABLE t (x); CREATE VIEW v AS SELECT name FROM pragma_table_list");
    maker.close();
    const opens: (() => SqlDatabase)[] = [
      () => openDatabase(path),
      () => openDatabase(path, { readonly: true }),
      () => openDatabase(path, { immutable: true }),
      () => openSqlite(path),
      () => openSqlite(path, { readonly: true }),
    ];
    for (const open of opens) {
      const db = open();
      expect(() => db.query("SELECT * FROM v").all()).toThrow(/unsafe use/);
      db.close();
    }
    const handle = new DatabaseHandle(path);
    handle.open();
    expect(() => handle.sqlite.query("SELECT * FROM v").all()).toThrow(/unsafe use/);
    handle.close();
  });

  test("ATTACH takes an immutable URI, whatever the path holds", () => {
    const source = join(tempDir(), "attached ?#%.db");
    const maker = openDatabase(source);
    maker.run("CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('a')");
    maker.close();
    const db = openDatabase(join(tempDir(), "main.db"));
    db.run("ATTACH DATABASE ? AS src", [immutableUri(source)]);
    expect(db.query("SELECT name FROM src.items").values()).toEqual([["a"]]);
    expect(() => db.run("INSERT INTO src.items VALUES ('b')")).toThrow();
    db.close();
  });

  test("immutable reads the file alone: a -wal beside it is ignored, and none is made", () => {
    const path = join(tempDir(), "live ?#.db");
    const writer = openDatabase(path);
    writer.run("PRAGMA journal_mode = WAL");
    writer.run("PRAGMA wal_autocheckpoint = 0");
    writer.run("CREATE TABLE items (name TEXT)");
    writer.run("PRAGMA wal_checkpoint(TRUNCATE)");
    writer.run("INSERT INTO items VALUES (?)", ["only in the WAL"]);
    try {
      const reader = openDatabase(path, { readonly: true });
      expect(count(reader)).toBe(1);
      reader.close();
      const immutable = openDatabase(path, { immutable: true });
      expect(count(immutable)).toBe(0);
      expect(() => immutable.run("INSERT INTO items VALUES ('x')")).toThrow();
      immutable.close();
    } finally {
      writer.close();
    }
    const copy = join(tempDir(), "backup.db");
    const plain = openDatabase(copy);
    plain.run("CREATE TABLE items (name TEXT)");
    plain.close();
    openDatabase(copy, { immutable: true }).close();
    expect(existsSync(`${copy}-wal`) || existsSync(`${copy}-shm`) || existsSync(`${copy}-journal`)).toBe(
      false,
    );
  });

  test("an immutable open takes no lock: it reads while a writer holds one that makes others busy", () => {
    const path = join(tempDir(), "locked.db");
    const writer = openDatabase(path);
    writer.run("CREATE TABLE items (name TEXT)");
    writer.run("BEGIN EXCLUSIVE");
    writer.run("INSERT INTO items VALUES ('uncommitted')");
    try {
      const reader = openDatabase(path, { readonly: true });
      const refused = thrownBy(() => count(reader));
      reader.close();
      expect(isBusyError(refused)).toBe(true);
      const immutable = openDatabase(path, { immutable: true });
      expect(count(immutable)).toBe(0);
      immutable.close();
    } finally {
      writer.run("ROLLBACK");
      writer.close();
    }
  });

  test("read-only refuses writes, and create: false refuses a missing file, both with SQLite's code", () => {
    const path = join(tempDir(), "data.db");
    expect(() => openDatabase(path, { create: false })).toThrow();
    expect(existsSync(path)).toBe(false);
    openDatabase(path).close();
    const reader = openDatabase(path, { readonly: true });
    const error = thrownBy(() => reader.run("CREATE TABLE t (x)"));
    reader.close();
    expect((error as { code?: string }).code).toBe("SQLITE_READONLY");
    expect(isBusyError(error)).toBe(false);
  });

  test("a transaction commits, rolls back when its function throws, and begins as asked", () => {
    const db = openDatabase(":memory:");
    db.run("CREATE TABLE items (name TEXT)");
    const add = db.transaction((name: string) => db.query("INSERT INTO items VALUES (?)").run(name).changes);
    expect(add.immediate("kept")).toBe(1);
    const fail = db.transaction(() => {
      db.run("INSERT INTO items VALUES ('gone')");
      throw new Error("no");
    });
    expect(() => fail.exclusive()).toThrow("no");
    expect(db.query("SELECT name FROM items").values()).toEqual([["kept"]]);
    db.close(true);
  });
});

describe("isDiskFull", () => {
  test("recognises SQLite's full database", () => {
    const db = openDatabase(":memory:");
    db.run("CREATE TABLE t (x BLOB)");
    db.run("PRAGMA max_page_count = 3");
    const full = thrownBy(() => {
      for (let i = 0; i < 10; i++) db.run("INSERT INTO t VALUES (randomblob(4000))");
    });
    db.close();
    expect(isDiskFull(full)).toBe(true);
  });

  test.skipIf(!existsSync("/dev/full"))("recognises the file system's full disk", () => {
    expect(isDiskFull(thrownBy(() => writeFileSync("/dev/full", "x")))).toBe(true);
  });

  test("is false for other errors", () => {
    const missing = thrownBy(() => openDatabase(join(tempDir(), "no-folder", "x.db")));
    expect(missing).toBeInstanceOf(Error);
    expect(isDiskFull(missing)).toBe(false);
    expect(isDiskFull(new Error("the upload was cut off"))).toBe(false);
  });
});
