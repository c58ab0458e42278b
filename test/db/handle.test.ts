import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseClosedError, DatabaseHandle } from "../../src/db/handle.ts";
import { JOURNAL_ENTRIES, MIGRATION_SQL } from "../../src/db/migrations.ts";
import { users } from "../../src/db/schema.ts";
import type { SqlDatabase } from "../../src/runtime/types.ts";
import { dataPaths, ROOT, tempDir } from "../helpers.ts";

function tables(db: SqlDatabase): string[] {
  return db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

function addUser(handle: DatabaseHandle, username: string) {
  const now = new Date();
  handle.orm
    .insert(users)
    .values({ username, passwordHash: "x", role: "user", createdAt: now, updatedAt: now })
    .run();
}

describe("database handle", () => {
  test("opens with WAL, synchronous=NORMAL, foreign keys and a busy timeout", () => {
    const handle = new DatabaseHandle(dataPaths(tempDir()).database);
    handle.open();
    const pragma = (name: string) => Object.values(handle.sqlite.query(`PRAGMA ${name}`).get() as object)[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("synchronous")).toBe(1);
    expect(pragma("foreign_keys")).toBe(1);
    expect(pragma("busy_timeout")).toBe(5000);
    handle.close();
  });

  test("runs the embedded migrations once, from any folder", () => {
    const path = dataPaths(tempDir()).database;
    const handle = new DatabaseHandle(path);
    handle.open();
    expect(tables(handle.sqlite)).toEqual(
      expect.arrayContaining(["__drizzle_migrations", "audit_log", "sessions", "users"]),
    );
    handle.reopen();
    const applied = handle.sqlite.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as {
      n: number;
    };
    expect(applied.n).toBe(JOURNAL_ENTRIES.length);
    handle.close();
  });

  test("usernames are unique whatever their case", () => {
    const handle = new DatabaseHandle(dataPaths(tempDir()).database);
    handle.open();
    addUser(handle, "Anna");
    expect(() => addUser(handle, "anna")).toThrow();
    handle.close();
  });

  test("every migration in the journal is embedded, and every .sql file is in the journal", () => {
    const folder = join(ROOT, "src", "db", "migrations");
    const files = readdirSync(folder)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(JOURNAL_ENTRIES.map((e) => e.tag).sort()).toEqual(files);
    expect(Object.keys(MIGRATION_SQL).sort()).toEqual(files);
  });

  test("close checkpoints: one self-contained file, no -wal or -shm left", () => {
    const path = dataPaths(tempDir()).database;
    const handle = new DatabaseHandle(path);
    handle.open();
    addUser(handle, "ben");
    expect(existsSync(`${path}-wal`)).toBe(true);
    handle.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
    const plain = new Database(path, { readonly: true });
    expect(plain.query("SELECT username FROM users").all()).toEqual([{ username: "ben" }]);
    plain.close();
    expect(() => handle.sqlite).toThrow(DatabaseClosedError);
  });

  test("the database and its -wal and -shm are created readable by their owner only", () => {
    if (process.platform === "win32") return;
    const path = dataPaths(tempDir()).database;
    const old = process.umask(0o022); // the usual umask, which lets SQLite alone make 0644 files
    try {
      const handle = new DatabaseHandle(path);
      handle.open();
      addUser(handle, "ann");
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file)).toBe(0o600);
      handle.close();
    } finally {
      process.umask(old);
    }
  });

  test("a database an older version left 0644, with its -wal and -shm, is tightened to 0600 at open", () => {
    if (process.platform === "win32") return;
    const path = dataPaths(tempDir()).database;
    const writer = new Database(path);
    writer.run("PRAGMA journal_mode = WAL");
    writer.run("CREATE TABLE notes (body TEXT)");
    writer.run("INSERT INTO notes VALUES ('kept')");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644);
    const handle = new DatabaseHandle(path);
    handle.open();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file)).toBe(0o600);
    expect(handle.sqlite.query("SELECT body FROM notes").all()).toEqual([{ body: "kept" }]);
    handle.close();
    writer.close();
  });

  test("reopen in place picks up a file swapped underneath", () => {
    const dir = tempDir();
    const path = dataPaths(dir).database;
    const other = join(dir, "other.db");
    const handle = new DatabaseHandle(other);
    handle.open();
    addUser(handle, "from-other-file");
    handle.close();

    const live = new DatabaseHandle(path);
    live.open();
    addUser(live, "original");
    live.close();
    copyFileSync(other, path);
    live.open();
    const names = live.sqlite.query("SELECT username FROM users").all();
    expect(names).toEqual([{ username: "from-other-file" }]);
    live.close();
  });
});
