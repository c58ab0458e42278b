import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotBytes } from "../../src/backup/catalog/snapshot-size.ts";
import { databaseBytes, fileSize } from "../../src/backup/catalog/space.ts";
import { tempDir } from "../helpers.ts";

/** A shop database in WAL mode, left open with its log unmerged, as the running app has it. */
function openShop(dir: string) {
  const path = join(dir, "business_data.db");
  const db = new Database(path);
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA wal_autocheckpoint = 0");
  db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  return { path, db };
}

/** A SELECT of `count` rows of `value` (which may use the row number `i`). */
const rows = (count: number, value: string) =>
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) SELECT ${value} FROM n`;

/** What a snapshot really writes: the size of `VACUUM INTO`'s copy. */
function snapshotSize(db: Database, dir: string, name: string): number {
  const target = join(dir, name);
  db.run("VACUUM INTO ?", [target]);
  return fileSize(target);
}

describe("the size a snapshot is expected to write", () => {
  test("a database whose log holds the same pages many times over: about the copy, not database and log added up", () => {
    const dir = tempDir("business-app-snapshot-size-");
    const { path, db } = openShop(dir);
    db.run(`INSERT INTO items (name) ${rows(400, "'item ' || i")}`);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    // The same rows changed again and again: each change writes their pages to the log once more.
    for (let round = 0; round < 6; round++) db.run(`UPDATE items SET name = 'round ${round} ' || id`);
    const written = snapshotSize(db, dir, "copy.db");
    const expected = snapshotBytes(path);
    expect(databaseBytes(path)).toBeGreaterThan(2 * written);
    expect(expected).toBeGreaterThanOrEqual(written);
    expect(expected).toBeLessThanOrEqual(written * 1.1 + 4096);
    db.close();
  });

  test("pages freed by deletes are not counted; a log never merged counts its newest state", () => {
    const dir = tempDir("business-app-snapshot-size-");
    const { path, db } = openShop(dir);
    db.run(`INSERT INTO items (name) ${rows(300, "printf('%.500c', 'x')")}`);
    db.run("DELETE FROM items WHERE id > 30");
    const written = snapshotSize(db, dir, "copy.db");
    const expected = snapshotBytes(path);
    expect(fileSize(path)).toBeLessThan(written); // All of it is still only in the log.
    expect(expected).toBeGreaterThanOrEqual(written);
    expect(expected).toBeLessThanOrEqual(written * 1.1 + 4096);
    db.close();
  });

  test("a file that is no SQLite database: the files' own size", () => {
    const dir = tempDir("business-app-snapshot-size-");
    const path = join(dir, "business_data.db");
    writeFileSync(path, "not a database, but 40 bytes long.......");
    expect(snapshotBytes(path)).toBe(40);
    expect(snapshotBytes(join(dir, "missing.db"))).toBe(0);
  });
});
