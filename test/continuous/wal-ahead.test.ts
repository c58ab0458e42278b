import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { finishWal, readWal, readWalAhead, type WalContents } from "../../src/backup/continuous/files/wal.ts";
import { tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";

/**
 * A new chain reads the log while writers go on (`readWalAhead`) and finishes under the write
 * barrier (`finishWal`). Whatever happened between the two — commits, checkpoints, the log
 * started anew once or more, emptied — the finished reading must be exactly the whole log read
 * at that moment, as the barrier used to read it.
 */

function comparable(contents: WalContents | null) {
  if (!contents) return null;
  return {
    position: contents.position,
    transactions: contents.transactions.map((t) => ({
      size: t.size,
      end: t.end,
      position: t.position,
      pages: [...t.pages].map(([page, image]) => [page, Buffer.from(image).toString("base64")]),
    })),
  };
}

function wholeLog(walPath: string): WalContents | null {
  const read = readWal(walPath, null, Number.POSITIVE_INFINITY);
  return read.kind === "read" ? { transactions: read.transactions, position: read.position } : null;
}

describe("reading the log ahead of the write barrier", () => {
  test("finished under the barrier, it is the whole log, whatever came between (300 seeded cases)", async () => {
    const dir = tempDir();
    const path = join(dir, "shop.db");
    const walPath = `${path}-wal`;
    const db = new Database(path);
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA wal_autocheckpoint = 0");
    db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)");
    const random = seededRandom(20261207);
    const pick = (n: number) => Math.floor(random() * n);
    const seen = { sameLog: 0, startedAnew: 0, noLog: 0 };
    const change = () => {
      const what = pick(10);
      if (what < 6) {
        db.transaction(() => {
          for (let i = 0, n = 1 + pick(40); i < n; i++)
            db.query("INSERT OR REPLACE INTO items (id, note) VALUES (?, ?)").run(
              pick(400),
              "x".repeat(pick(3000)),
            );
        })();
      } else if (what === 6) db.run("PRAGMA wal_checkpoint(PASSIVE)");
      else if (what === 7) db.run("PRAGMA wal_checkpoint(RESTART)");
      else if (what === 8) db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      else db.run("DELETE FROM items WHERE id % 7 = ?", [pick(7)]);
    };
    try {
      for (let round = 0; round < 300; round++) {
        for (let i = pick(4); i > 0; i--) change();
        const ahead = await readWalAhead(walPath, 4096 * (1 + pick(8)), 1 + pick(4));
        const salt = ahead?.position.salt1;
        for (let i = pick(4); i > 0; i--) change();
        const finished = finishWal(walPath, ahead);
        expect(comparable(finished)).toEqual(comparable(wholeLog(walPath)));
        if (!ahead) seen.noLog++;
        else if (finished?.position.salt1 === salt) seen.sameLog++;
        else seen.startedAnew++;
      }
    } finally {
      db.close();
    }
    // The search reached each kind of case many times.
    expect(seen.sameLog).toBeGreaterThan(50);
    expect(seen.startedAnew).toBeGreaterThan(20);
  });

  test("a log read ahead in parts is the log read at once", async () => {
    const dir = tempDir();
    const path = join(dir, "shop.db");
    const db = new Database(path);
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA wal_autocheckpoint = 0");
    db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)");
    for (let i = 0; i < 200; i++)
      db.query("INSERT INTO items (note) VALUES (?)").run("y".repeat(1000 + i * 20));
    const ahead = await readWalAhead(`${path}-wal`, 4096);
    expect(comparable(ahead)).toEqual(comparable(wholeLog(`${path}-wal`)));
    // The table's creation and the 200 rows.
    expect(ahead?.transactions.length).toBe(201);
    db.close();
  });
});
