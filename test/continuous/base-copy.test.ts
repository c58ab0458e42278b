import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { statePages } from "../../src/backup/continuous/base/database-file.ts";
import { PAGES_PER_READ, stateOfFile } from "../../src/backup/continuous/base/state-hash.ts";
import { checkFileInWorker } from "../../src/backup/inspect/worker-client.ts";
import { rejectionOf, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";

/**
 * A new chain's base and a start's proof (`statePages`): the database's pages read on the
 * runtime's pool, hashed and written in the backup worker through slots of shared memory. Whatever
 * the size (a part or many, a last part cut short) and the log's newer images put over, the state
 * must be the one computed page by page on this thread and the base byte for byte the database as
 * the pin sees it; a cancel or a failure in the worker ends it and leaves the worker usable.
 */

const PAGE = 1024;

/** A database of `pages` pages of `PAGE` bytes (rollback journal: the file is all there is). */
function database(path: string, pages: number, seed: number): void {
  const db = new Database(path);
  db.run(`PRAGMA page_size = ${PAGE}`);
  db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  const random = seededRandom(seed);
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  db.transaction(() => {
    while ((db.query("PRAGMA page_count").get() as { page_count: number }).page_count < pages)
      insert.run(new Uint8Array(200 + Math.floor(random() * 3000)).map(() => Math.floor(random() * 256)));
  })();
  db.close();
}

describe("continuous protection's base, copied off the app's thread", () => {
  test("the state and the base are the database with the log's images put over (40 seeded cases)", async () => {
    const dir = tempDir();
    const random = seededRandom(20261207);
    for (let n = 0; n < 40; n++) {
      const path = join(dir, `shop-${n}.db`);
      // From less than one part to a few, ending anywhere in a part.
      const wanted = 2 + Math.floor(random() * PAGES_PER_READ * 5);
      database(path, wanted, n);
      const bytes = readFileSync(path);
      const size = bytes.length / PAGE;
      // Newer images of some pages, and pages past the file's end that the log grew it by.
      const overlay = new Map<number, Uint8Array>();
      const grown = size + Math.floor(random() * 3);
      for (let i = 0, k = Math.floor(random() * 20); i < k; i++)
        overlay.set(1 + Math.floor(random() * grown), new Uint8Array(PAGE).fill(Math.floor(random() * 256)));
      for (let page = size + 1; page <= grown; page++)
        if (!overlay.has(page)) overlay.set(page, new Uint8Array(PAGE).fill(7));
      const expected = new Uint8Array(grown * PAGE);
      expected.set(bytes);
      for (const [page, image] of overlay) expected.set(image, (page - 1) * PAGE);
      const reference = join(dir, `expected-${n}.db`);
      writeFileSync(reference, expected);

      const base = join(dir, `base-${n}.db`);
      const state = await statePages(path, PAGE, grown, overlay, () => false, base);
      expect(state?.digest()).toBe(stateOfFile(reference, PAGE, grown));
      expect(Buffer.compare(readFileSync(base), Buffer.from(expected))).toBe(0);
      // Without a copy, the same state.
      const proof = await statePages(path, PAGE, grown, overlay, () => false);
      expect(proof?.digest()).toBe(state?.digest());
    }
  });

  test("cancelled between parts: nothing is answered, and the worker takes the next task", async () => {
    const dir = tempDir();
    const path = join(dir, "shop.db");
    database(path, PAGES_PER_READ * 6, 1);
    let asked = 0;
    const state = await statePages(
      path,
      PAGE,
      PAGES_PER_READ * 6,
      new Map(),
      () => ++asked > 3,
      join(dir, "base.db"),
    );
    expect(state).toBeNull();
    expect(asked).toBe(4);
    expect((await checkFileInWorker({ path, full: false })).ok).toBe(true);
  });

  test("a failure in the worker (the base's name is taken) is the answer, not a wait, and leaves the worker usable", async () => {
    const dir = tempDir();
    const path = join(dir, "shop.db");
    database(path, PAGES_PER_READ * 3, 2);
    const base = join(dir, "base.db");
    writeFileSync(base, "someone else's file");
    const error = await rejectionOf(statePages(path, PAGE, PAGES_PER_READ * 3, new Map(), () => false, base));
    expect((error as NodeJS.ErrnoException).code).toBe("EEXIST");
    expect(readFileSync(base, "utf8")).toBe("someone else's file");
    expect(existsSync(path)).toBe(true);
    expect((await checkFileInWorker({ path, full: false })).ok).toBe(true);
  });
});
