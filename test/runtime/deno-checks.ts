/**
 * The runtime seam's contract, checked under Deno (run by `deno-seam.test.ts` with `deno run`):
 * `#runtime/*` resolves to `src/runtime/deno/` here. Prints one line of JSON: each check's name
 * with null when it held, or why it did not.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chacha20poly1305, FALLBACK_AEAD, NATIVE_LIBRARIES, nativeAead } from "#runtime/aead.ts";
import { isDiskFull } from "#runtime/errors.ts";
import { hashArgon2id, verifyArgon2 } from "#runtime/password.ts";
import { copyDatabase, isBusyError, openDatabase } from "#runtime/sqlite.ts";
import { inspectFileInProcess } from "../../src/backup/inspect/process-task.ts";
import { passesKnownAnswer } from "../../src/runtime/shared/aead-check.ts";
import { javascriptAead } from "../../src/runtime/shared/aead-js.ts";
import { thrownBy } from "./thrown-by.ts";

const dir = mkdtempSync(join(tmpdir(), "business-app-deno-seam-"));
const [bunHash] = process.argv.slice(2) as [string];

const count = (db: ReturnType<typeof openDatabase>) =>
  (db.query<{ n: number }, []>("SELECT count(*) AS n FROM items").get() as { n: number }).n;

const checks: Record<string, () => void | Promise<void>> = {
  "immutable reads the file alone: a -wal beside it is ignored": () => {
    const path = join(dir, "live ?#.db");
    const writer = openDatabase(path);
    writer.run("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE items (name TEXT)");
    writer.run("PRAGMA wal_checkpoint(TRUNCATE)");
    writer.run("INSERT INTO items VALUES (?)", ["only in the WAL"]);
    const reader = openDatabase(path, { readonly: true });
    assert.equal(count(reader), 1);
    reader.close();
    const immutable = openDatabase(path, { immutable: true });
    assert.equal(count(immutable), 0);
    assert.throws(() => immutable.run("INSERT INTO items VALUES ('x')"));
    immutable.close();
    writer.close();
  },
  "a connection does not wait for a busy file unless told to, as bun:sqlite's (node:sqlite waits 5 s)":
    () => {
      const db = openDatabase(join(dir, "waits.db"));
      assert.deepEqual({ ...(db.query("PRAGMA busy_timeout").get() as object) }, { timeout: 0 });
      db.run("PRAGMA busy_timeout = 250");
      assert.deepEqual({ ...(db.query("PRAGMA busy_timeout").get() as object) }, { timeout: 250 });
      db.close();
    },
  "an immutable open reads while a writer holds a lock that makes others busy": () => {
    const path = join(dir, "locked.db");
    const writer = openDatabase(path);
    writer.run("CREATE TABLE items (name TEXT)");
    writer.run("BEGIN EXCLUSIVE");
    writer.run("INSERT INTO items VALUES ('uncommitted')");
    const reader = openDatabase(path, { readonly: true });
    assert.equal(isBusyError(thrownBy(() => count(reader))), true);
    reader.close();
    const immutable = openDatabase(path, { immutable: true });
    assert.equal(count(immutable), 0);
    immutable.close();
    writer.run("ROLLBACK");
    writer.close();
  },
  "read-only refuses writes with SQLITE_READONLY; create: false refuses a missing file": () => {
    const path = join(dir, "data.db");
    assert.throws(() => openDatabase(path, { create: false }));
    assert.equal(existsSync(path), false);
    openDatabase(path).close();
    const reader = openDatabase(path, { readonly: true });
    const error = thrownBy(() => reader.run("CREATE TABLE t (x)"));
    reader.close();
    assert.equal((error as { code?: string }).code, "SQLITE_READONLY");
  },
  "rows, a missing row, values, booleans and changes as bun:sqlite gives them": () => {
    const db = openDatabase(":memory:");
    db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)");
    assert.deepEqual(db.query("INSERT INTO items (name, flag) VALUES (?, ?)").run("a", true), {
      changes: 1,
      lastInsertRowid: 1,
    });
    assert.equal(db.query("SELECT * FROM items WHERE id = ?").get(99), null);
    assert.deepEqual(db.query("SELECT name, flag FROM items").values(), [["a", 1]]);
    assert.deepEqual({ ...(db.query("SELECT name FROM items").all()[0] as object) }, { name: "a" });
    assert.equal(db.query('SELECT "not a column" AS v').values()[0]?.[0], "not a column");
    db.close(true);
  },
  "transactions commit, roll back, nest as savepoints and begin as asked": () => {
    const db = openDatabase(":memory:");
    db.run("CREATE TABLE items (name TEXT)");
    const add = db.transaction((name: string) => db.query("INSERT INTO items VALUES (?)").run(name).changes);
    assert.equal(add.immediate("kept"), 1);
    const inner = db.transaction(() => {
      db.run("INSERT INTO items VALUES ('inner')");
      throw new Error("inner fails");
    });
    db.transaction(() => {
      db.run("INSERT INTO items VALUES ('outer')");
      assert.throws(() => inner(), /inner fails/);
    }).exclusive();
    assert.deepEqual(db.query("SELECT name FROM items ORDER BY name").values(), [["kept"], ["outer"]]);
    db.close();
  },
  "a full database is disk full; a lock held elsewhere is busy": () => {
    const db = openDatabase(":memory:");
    db.run("CREATE TABLE t (x BLOB); PRAGMA max_page_count = 3");
    const full = thrownBy(() => {
      for (let i = 0; i < 10; i++) db.run("INSERT INTO t VALUES (randomblob(4000))");
    });
    db.close();
    assert.equal(isDiskFull(full), true);
    const path = join(dir, "lock.db");
    const holder = openDatabase(path);
    holder.run("BEGIN EXCLUSIVE");
    const other = openDatabase(path);
    other.run("PRAGMA busy_timeout = 0");
    assert.equal(isBusyError(thrownBy(() => other.run("BEGIN EXCLUSIVE"))), true);
    other.close();
    holder.close();
  },
  "copyDatabase writes one committed state, owner-only, and refuses a file that is there": async () => {
    const source = join(dir, "source.db");
    const db = openDatabase(source);
    db.run(
      "PRAGMA journal_mode = WAL; CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('a'), ('b')",
    );
    const target = join(dir, "copy.db");
    await copyDatabase(db, target);
    await assert.rejects(copyDatabase(db, target));
    db.close();
    const copy = openDatabase(target, { immutable: true });
    assert.equal(count(copy), 2);
    copy.close();
    assert.equal(statSync(target).mode & 0o777, 0o600);
    const header = readFileSync(target).subarray(18, 20);
    assert.deepEqual([...header], [2, 2], "the caller makes it a rollback-journal file");
  },
  "every connection distrusts the schema: a view may not read a pragma's table": () => {
    const path = join(dir, "views.db");
    const maker = openDatabase(path);
    maker.run("CREATE TABLE t (x); CREATE VIEW v AS SELECT name FROM pragma_table_list");
    maker.close();
    for (const options of [{}, { readonly: true }, { immutable: true }]) {
      const db = openDatabase(path, options);
      assert.throws(() => db.query("SELECT * FROM v").all(), /unsafe use/);
      db.close();
    }
  },
  "ATTACH takes an immutable URI; a foreign file is rebuilt with its rows": async () => {
    const { rebuildDatabase } = await import("../../src/backup/inspect/rebuild.ts");
    const { DatabaseHandle } = await import("../../src/db/handle.ts");
    const source = join(dir, "foreign ?#.db");
    const handle = new DatabaseHandle(source);
    handle.open();
    handle.sqlite.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT CHECK (name <> ''))");
    handle.sqlite.run("INSERT INTO items (rowid, name) VALUES (7, 'ä'), (9, 'b')");
    handle.close();
    const target = join(dir, "rebuilt.db");
    const result = rebuildDatabase(source, target);
    assert.equal(result.rowCounts.items, 2);
    const rebuilt = openDatabase(target, { immutable: true });
    assert.deepEqual(rebuilt.query("SELECT id, name FROM items ORDER BY id").values(), [
      [7, "ä"],
      [9, "b"],
    ]);
    const sql = rebuilt.query("SELECT sql FROM sqlite_schema WHERE name = 'items'").values()[0]?.[0];
    assert.equal(String(sql).includes("CHECK"), false);
    rebuilt.close();
  },
  "argon2id: Deno's hash has Bun's format; Bun's hash verifies here; junk is refused": async () => {
    const hash = await hashArgon2id("correct horse", { memoryCost: 8192, timeCost: 3 });
    assert.match(hash, /^\$argon2id\$v=19\$m=8192,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyArgon2("correct horse", hash), true);
    assert.equal(await verifyArgon2("correct horsf", hash), false);
    assert.equal(await verifyArgon2("correct horse", bunHash), true);
    assert.equal(await verifyArgon2("correct horsf", bunHash), false);
    await assert.rejects(verifyArgon2("anything", "not a hash"));
    console.log(JSON.stringify({ denoHash: hash }));
  },
  "ChaCha20-Poly1305 is libcrypto's through Deno's FFI where it loads, else node:crypto's; each passes RFC 8439's example and seals as the JavaScript path":
    () => {
      const native =
        NATIVE_LIBRARIES.map((soname) => nativeAead(soname)).find((aead) => aead !== null) ?? null;
      assert.equal(chacha20poly1305().name, (native ?? FALLBACK_AEAD).name);
      const key = crypto.getRandomValues(new Uint8Array(32));
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      for (const aead of native ? [native, FALLBACK_AEAD] : [FALLBACK_AEAD]) {
        assert.equal(passesKnownAnswer(aead), true);
        for (const size of [0, 1, 65535, 65536, 65537]) {
          const plain = new Uint8Array(randomBytes(size));
          const [ours, theirs] = [new Uint8Array(size + 16), new Uint8Array(size + 16)];
          aead.seal(key, nonce, plain, ours);
          javascriptAead.seal(key, nonce, plain, theirs);
          assert.deepEqual(ours, theirs);
          const back = new Uint8Array(size);
          assert.equal(aead.open(key, nonce, ours, back), true);
          assert.deepEqual(back, plain);
          ours[size] = (ours[size] ?? 0) ^ 1;
          assert.equal(aead.open(key, nonce, ours, back), false);
        }
      }
      console.log(JSON.stringify({ aead: chacha20poly1305().name }));
    },

  "a backup's check in a process of its own (deno run again) answers, and an abort kills it": async () => {
    const path = join(dir, "checked.db");
    const db = openDatabase(path);
    db.run("CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('a')");
    db.close();
    const answered = await inspectFileInProcess(path, new AbortController().signal);
    assert.equal(answered.size, statSync(path).size);
    assert.equal(answered.sha256, createHash("sha256").update(readFileSync(path)).digest("hex"));
    // Not the app's schema: judged by the trust rule, as in the thread.
    assert.equal(answered.check.ok, false);
    // Held in its first read of a FIFO until killed.
    const held = join(dir, "held.db");
    assert.equal(spawnSync("mkfifo", [held]).status, 0);
    const running = () =>
      readdirSync("/proc").some((pid) => {
        try {
          return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(held);
        } catch {
          return false;
        }
      });
    const controller = new AbortController();
    const pending = inspectFileInProcess(held, controller.signal).then(
      () => "answered",
      (error: Error) => error.message,
    );
    for (let look = 0; look < 600 && !running(); look++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(running(), true);
    controller.abort(new Error("made way"));
    assert.equal(await pending, "made way");
    for (let look = 0; look < 200 && running(); look++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(running(), false);
  },
};

const results: Record<string, string | null> = {};
for (const [name, check] of Object.entries(checks)) {
  try {
    await check();
    results[name] = null;
  } catch (error) {
    results[name] = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ results }));
