import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { BASE_FILE, listChains } from "../../src/backup/continuous/files/chain.ts";
import {
  BASE_CHECK_DELAY_MS,
  BASE_CHECK_FILE,
  baseChecked,
  recordBaseChecked,
} from "../../src/backup/continuous/upkeep/base-check.ts";
import { buildPointInTime } from "../../src/backup/index.ts";
import { checkMomentTables, checkMomentWhole } from "../../src/backup/inspect/moment-check.ts";
import { checkFileInProcess } from "../../src/backup/inspect/process-task.ts";
import { checkRestorable } from "../../src/backup/inspect/trust.ts";
import { BackgroundWork } from "../../src/backup/operations/background.ts";
import { OperationRunner } from "../../src/backup/operations/runner.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { checkHold, putOutOfStep } from "../backup/fixtures.ts";
import { runSeed } from "../faults/fault-helpers.ts";
import { rejectionOf, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import { quietLog, startWorkload, type Workload } from "./workload.ts";

/**
 * A restore to a moment checks it in full in two parts when its chain's base passed the full
 * check: the whole file's `quick_check`, and each table compared with its indexes only where the
 * chain wrote pages (`moment-check.ts`). The claim searched here: for a base that passes the full
 * check and any file that differs from it only in the pages named as written, the two parts
 * together answer what SQLite's complete check answers — for files changed by SQL, by SQL that
 * puts an index out of step with its table, by VACUUM, and with bytes of written pages damaged.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir("business-app-moment-check-");
  dirs.push(d);
  return d;
}

const PAGE = 4096;

/** A database with the app's schema and two shop tables with plain, unique and collated indexes. */
function makeBase(path: string, random: () => number): void {
  const handle = new DatabaseHandle(path);
  handle.open();
  const db = handle.sqlite;
  db.run("PRAGMA journal_mode = DELETE");
  db.run(
    `CREATE TABLE goods (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, price INTEGER CHECK (price >= 0), note TEXT)`,
  );
  db.run("CREATE UNIQUE INDEX goods_sku ON goods (sku)");
  db.run("CREATE INDEX goods_price ON goods (price)");
  db.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT COLLATE NOCASE, body BLOB)");
  db.run("CREATE INDEX notes_title ON notes (title COLLATE NOCASE)");
  db.transaction(() => {
    for (let i = 0; i < 600; i++) {
      db.run("INSERT INTO goods (sku, price, note) VALUES (?, ?, ?)", [
        `sku-${i}`,
        Math.floor(random() * 10_000),
        "n".repeat(Math.floor(random() * 300)),
      ]);
      db.run("INSERT INTO notes (title, body) VALUES (?, ?)", [
        `Title ${i}`,
        new Uint8Array(Math.floor(random() * 900)),
      ]);
    }
  })();
  handle.close();
}

/** One random change by SQL to the database at `path`, sometimes one that leaves an index out of step with its table. */
function change(path: string, random: () => number, log: string[]): void {
  const r = random();
  const table = random() < 0.5 ? "goods" : "notes";
  if (r >= 0.75 && r < 0.9) {
    const index = table === "goods" ? "goods_price" : "notes_title";
    putOutOfStep(
      path,
      index,
      table === "goods"
        ? "UPDATE goods SET price = price + 1000 WHERE id % 5 = 0"
        : "UPDATE notes SET title = 'changed ' || id WHERE id % 5 = 0",
    );
    log.push(`index ${index} out of step`);
    return;
  }
  const db = new Database(path);
  try {
    db.run("PRAGMA journal_mode = DELETE");
    if (r < 0.3) {
      if (table === "goods")
        db.run("INSERT INTO goods (sku, price, note) VALUES (?, ?, ?)", [
          `new-${Math.floor(random() * 1e9)}`,
          Math.floor(random() * 100),
          "x".repeat(Math.floor(random() * 2000)),
        ]);
      else db.run("INSERT INTO notes (title, body) VALUES (?, ?)", [`New ${random()}`, new Uint8Array(50)]);
      log.push(`insert ${table}`);
    } else if (r < 0.55) {
      if (table === "goods")
        db.run("UPDATE goods SET price = price + 1 WHERE id % 7 = ?", [Math.floor(random() * 7)]);
      else db.run("UPDATE notes SET title = title || 'x' WHERE id % 11 = ?", [Math.floor(random() * 11)]);
      log.push(`update ${table}`);
    } else if (r < 0.75) {
      db.run(`DELETE FROM ${table} WHERE id % 13 = ?`, [Math.floor(random() * 13)]);
      log.push(`delete ${table}`);
    } else if (r < 0.95) {
      db.run("DELETE FROM goods WHERE id % 3 = 0");
      db.run("VACUUM");
      log.push("vacuum");
    } else log.push("nothing");
  } finally {
    db.close();
  }
}

/** The pages of `path` that differ from `base`'s (a page past `base`'s end always). */
function differing(base: string, path: string): Uint32Array {
  const a = readFileSync(base);
  const b = readFileSync(path);
  const pages: number[] = [];
  for (let page = 1; page * PAGE <= b.length; page++) {
    const at = (page - 1) * PAGE;
    if (at + PAGE > a.length || Buffer.compare(a.subarray(at, at + PAGE), b.subarray(at, at + PAGE)) !== 0)
      pages.push(page);
  }
  return Uint32Array.from(pages);
}

/** A few random bytes of one page of `pages` in `path` changed. */
function damage(path: string, pages: Uint32Array, random: () => number): string {
  const page = pages[Math.floor(random() * pages.length)] as number;
  const fd = openSync(path, "r+");
  try {
    const bytes = Buffer.alloc(PAGE);
    readSync(fd, bytes, 0, PAGE, (page - 1) * PAGE);
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      const at = (page === 1 ? 100 : 0) + Math.floor(random() * (PAGE - (page === 1 ? 100 : 0)));
      bytes[at] = Math.floor(random() * 256);
    }
    writeSync(fd, bytes, 0, PAGE, (page - 1) * PAGE);
    return `damaged page ${page}`;
  } finally {
    closeSync(fd);
  }
}

/** The verdict of the two parts, as `checkMomentInWorkers` combines them (in this thread). */
function inParts(path: string, base: string, written: Uint32Array) {
  const whole = checkMomentWhole(path);
  if (!whole.ok) return { ok: false, reason: whole.reason, tables: null };
  const tables = checkMomentTables(path, base, written);
  if (tables === null) {
    const full = checkRestorable(path, { mapped: true });
    return { ok: full.ok, reason: full.reason, tables: null };
  }
  return { ok: tables.reason === null, reason: tables.reason, tables: tables.tables };
}

describe("the full check of a moment in parts", () => {
  test("answers as the complete check for files that differ from a checked base only where written (a search)", () => {
    const random = seededRandom(runSeed("moment check in parts"));
    const work = dir();
    const base = join(work, "base.db");
    makeBase(base, random);
    expect(checkRestorable(base).ok).toBe(true);
    const seen = { healthy: 0, damaged: 0, complete: 0, healthyInParts: 0, damagedInParts: 0 };
    const TRIALS = Number(process.env.MOMENT_TRIALS ?? 100);
    // What the search must reach: both answers, and each decided by the parts themselves (the
    // rest: a VACUUM, most pages written, a schema changed, where the complete check runs).
    const wanted = {
      healthy: TRIALS / 10,
      damaged: TRIALS / 10,
      healthyInParts: TRIALS / 10,
      damagedInParts: TRIALS / 25,
    };
    const reached = () =>
      Object.entries(wanted).every(([key, least]) => seen[key as keyof typeof wanted] > least);
    // At least TRIALS trials, then on until the search reached each kind (a seed that drew only 4
    // damaged moments the parts decided, of 100, failed once), at most four times as many.
    let trial = 0;
    for (; trial < TRIALS || (!reached() && trial < 4 * TRIALS); trial++) {
      const path = join(work, `moment-${trial}.db`);
      copyFileSync(base, path);
      const steps: string[] = [];
      if (random() < 0.25) {
        // No change by SQL: one page anywhere damaged (an index's page alone, a table's, the schema's).
        const all = Uint32Array.from({ length: statSync(path).size / PAGE - 1 }, (_, i) => i + 2);
        steps.push(damage(path, all, random));
      } else
        try {
          for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) change(path, random, steps);
        } catch (error) {
          // SQLite refused to go on writing over an index out of step: the file stays as it is.
          steps.push(`stopped (${(error as Error).message})`);
        }
      const written = differing(base, path);
      if (steps.length > 0 && !steps[0]?.startsWith("damaged") && random() < 0.4 && written.length > 1)
        steps.push(damage(path, written.subarray(1), random));
      const parts = inParts(path, base, written);
      const complete = checkRestorable(path, { mapped: true });
      if (parts.ok !== complete.ok)
        throw new Error(
          `trial ${trial} (${steps.join(", ")}): in parts ${parts.ok ? "ok" : parts.reason}, complete ${complete.ok ? "ok" : complete.reason}`,
        );
      seen[complete.ok ? "healthy" : "damaged"]++;
      if (parts.tables === null) seen.complete++;
      else seen[complete.ok ? "healthyInParts" : "damagedInParts"]++;
      rmSync(path, { force: true });
    }
    console.log(`moment check in parts: ${trial} trials, ${JSON.stringify(seen)}`);
    expect(seen.healthy).toBeGreaterThan(wanted.healthy);
    expect(seen.damaged).toBeGreaterThan(wanted.damaged);
    expect(seen.healthyInParts).toBeGreaterThan(wanted.healthyInParts);
    expect(seen.damagedInParts).toBeGreaterThan(wanted.damagedInParts);
  }, 120_000);

  test("compares only the tables where pages were written, and all of them when the schema changed", () => {
    const random = seededRandom(7);
    const work = dir();
    const base = join(work, "base.db");
    makeBase(base, random);
    const path = join(work, "moment.db");
    copyFileSync(base, path);
    const db = new Database(path);
    db.run("UPDATE notes SET body = x'00' WHERE id = 3");
    db.close();
    expect(checkMomentTables(path, base, differing(base, path))).toEqual({ reason: null, tables: ["notes"] });
    const other = new Database(path);
    other.run("CREATE INDEX goods_note ON goods (note)");
    other.close();
    expect(checkMomentTables(path, base, differing(base, path))).toBeNull();
    // Not knowing which tables to compare is no finding: the complete check runs instead.
    expect(checkMomentTables(path, join(work, "no-such-base.db"), differing(base, path))).toBeNull();
  });

  test("a written page of a virtual table's own tables leaves the comparison to the complete check (after the trust rule)", () => {
    const work = dir();
    const base = join(work, "base.db");
    const db = new Database(base);
    db.run("PRAGMA journal_mode = DELETE");
    db.run("CREATE VIRTUAL TABLE words USING fts5(text)");
    db.run("INSERT INTO words (text) VALUES ('one'), ('two')");
    // Pages enough that the few the insert writes are not most of them.
    db.run("CREATE TABLE filler (body BLOB)");
    for (let i = 0; i < 50; i++) db.run("INSERT INTO filler (body) VALUES (zeroblob(3000))");
    db.close();
    const path = join(work, "moment.db");
    copyFileSync(base, path);
    const moment = new Database(path);
    moment.run("INSERT INTO words (text) VALUES ('three')");
    moment.close();
    expect(checkMomentTables(path, base, differing(base, path))).toBeNull();
  });
});

describe("a restore to a moment with its base checked", () => {
  /** A chain whose database holds `t` with an index, and `u`, with its own index, that the chain never writes. */
  async function chainWithTables() {
    const work = dir();
    const path = join(work, "business_data.db");
    const handle = new DatabaseHandle(path);
    handle.open();
    handle.sqlite.run("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB)");
    handle.sqlite.run("CREATE INDEX t_k ON t (k)");
    handle.sqlite.run("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)");
    handle.sqlite.run("CREATE INDEX u_name ON u (name)");
    for (let i = 0; i < 300; i++) {
      handle.sqlite.run("INSERT INTO t (k, v) VALUES (?, ?)", [`k${i}`, new Uint8Array(100)]);
      handle.sqlite.run("INSERT INTO u (name) VALUES (?)", [`name ${i}`]);
    }
    handle.close();
    const background = new BackgroundWork({ clock: () => new Date() });
    const w = await startWorkload(work, { background });
    return { w, work, background };
  }

  test("the base's check is made in the background and recorded; a restore then checks only what the chain wrote", async () => {
    const { w, background } = await chainWithTables();
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    expect(baseChecked(chain)).toBe(false);
    // Not in the chain's first minute: the app's start goes first.
    w.clock.now += BASE_CHECK_DELAY_MS - 1000;
    await w.capture.tick();
    expect(background.list()).toEqual([]);
    w.clock.now += 1000;
    void w.capture.tick();
    expect(background.list().map((p) => p.kind)).toEqual(["base-check"]);
    const deadline = performance.now() + 60_000;
    while (!baseChecked(chain) && performance.now() < deadline) {
      await w.capture.tick();
      await Bun.sleep(50);
    }
    expect(baseChecked(chain)).toBe(true);
    // The index of `t` put out of step by another connection; the capture records what it committed.
    w.clock.now += 1000;
    putOutOfStep(w.handle.path, "t_k", "UPDATE t SET k = 'moved ' || id WHERE id % 4 = 0");
    expect(w.capture.poll()).toBeGreaterThan(0);
    const target = join(w.dir, "moment.db");
    const error = await rejectionOf(
      buildPointInTime(w.backups, w.clock.now, target, { check: true, baseCheck: true }),
    );
    expect(error.message).toContain("missing from index t_k");
    expect(existsSync(target)).toBe(false);
    w.capture.stop();
    w.handle.close();
  }, 90_000);

  test("the record counts only for its base's state and only where asked (the app's own chains): else the complete check", async () => {
    const { w } = await chainWithTables();
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    w.clock.now += 1000;
    w.handle.sqlite.run("UPDATE t SET v = x'01' WHERE id = 7");
    expect(w.capture.poll()).toBe(1);
    w.capture.stop();
    const target = join(w.dir, "moment.db");
    const build = async (baseCheck: boolean) => {
      const built = await buildPointInTime(w.backups, w.clock.now, target, { check: true, baseCheck });
      rmSync(target, { force: true });
      return built.compared;
    };
    expect(await build(true)).toBeNull();
    await recordBaseChecked(chain, new Date());
    expect(await build(true)).toEqual(["t"]);
    // Asked not to (a place's copy of a chain): the record is not looked at.
    expect(await build(false)).toBeNull();
    // A record of another state is not this base's.
    writeFileSync(
      join(chain.dir, BASE_CHECK_FILE),
      JSON.stringify({ format: 1, state: "other", checkedAt: "x" }),
    );
    expect(baseChecked(chain)).toBe(false);
    expect(await build(true)).toBeNull();
    w.handle.close();
  }, 60_000);

  test("a base changed after its check is refused whatever its record says: its state is another", async () => {
    const { w } = await chainWithTables();
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    w.capture.stop();
    await recordBaseChecked(chain, new Date());
    // `u`'s index put out of step in the base itself, where the chain never writes.
    putOutOfStep(join(chain.dir, BASE_FILE), "u_name", "UPDATE u SET name = 'renamed' WHERE id = 5");
    const target = join(w.dir, "moment.db");
    const error = await rejectionOf(
      buildPointInTime(w.backups, chain.info.createdAt, target, { check: true, baseCheck: true }),
    );
    expect(error.message).toContain("not the one it recorded");
    expect(existsSync(target)).toBe(false);
    w.handle.close();
  }, 60_000);

  test("the base's check in its own process answers as the check in this thread", async () => {
    const { w } = await chainWithTables();
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    w.capture.stop();
    const base = join(chain.dir, BASE_FILE);
    const here = checkRestorable(base, { mapped: true });
    const there = await checkFileInProcess(base, new AbortController().signal);
    expect(there).toEqual(here);
    expect(there.ok).toBe(true);
    w.handle.close();
  }, 60_000);
});

describe("the base's full check in the background", () => {
  /** Ticks `w`'s capture until `holds()`, at most `limitMs`. */
  async function tickUntil(w: Workload, holds: () => boolean, limitMs = 60_000): Promise<boolean> {
    const deadline = performance.now() + limitMs;
    while (!holds()) {
      if (performance.now() > deadline) return false;
      await w.capture.tick();
      await Bun.sleep(20);
    }
    return true;
  }

  test("made way for an operation, it records nothing, and is made again after it", async () => {
    const work = dir();
    const gate = checkHold(["base-check"]);
    const runner = new OperationRunner({
      lockPath: join(work, "operation.lock"),
      log: quietLog,
      clock: () => new Date(),
      backgroundHold: gate.hold,
    });
    const warnings: string[] = [];
    const log = { ...quietLog, warning: (message: string) => warnings.push(message) };
    const w = await startWorkload(work, { background: runner.background, log });
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    w.clock.now += BASE_CHECK_DELAY_MS;
    void w.capture.tick();
    // The check has answered and waits to be recorded; someone starts an operation.
    await gate.reached(1);
    expect(runner.background.list().map((p) => p.kind)).toEqual(["base-check"]);
    await runner.run("Backup failed", async () => {});
    gate.held[0]?.release();
    expect(baseChecked(chain)).toBe(false);
    gate.state.holding = false;
    expect(await tickUntil(w, () => baseChecked(chain))).toBe(true);
    expect(warnings).toEqual([]);
    w.capture.stop();
    w.handle.close();
  }, 90_000);

  test("a base that fails it is said once in the log and gets no record: its moments get the complete check", async () => {
    const work = dir();
    const warnings: string[] = [];
    const log = { ...quietLog, warning: (message: string) => warnings.push(message) };
    const runner = new OperationRunner({
      lockPath: join(work, "operation.lock"),
      log: quietLog,
      clock: () => new Date(),
    });
    const path = join(work, "business_data.db");
    const handle = new DatabaseHandle(path);
    handle.open();
    handle.sqlite.run("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)");
    handle.sqlite.run("CREATE INDEX u_name ON u (name)");
    for (let i = 0; i < 50; i++) handle.sqlite.run("INSERT INTO u (name) VALUES (?)", [`name ${i}`]);
    handle.close();
    const w = await startWorkload(work, { background: runner.background, log });
    const chain = listChains(w.backups)[0];
    if (!chain) throw new Error("no chain");
    putOutOfStep(join(chain.dir, BASE_FILE), "u_name", "UPDATE u SET name = 'renamed' WHERE id = 5");
    w.clock.now += BASE_CHECK_DELAY_MS;
    expect(await tickUntil(w, () => warnings.length > 0)).toBe(true);
    for (let i = 0; i < 10; i++) await w.capture.tick();
    expect(runner.background.list()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the base of chain ${chain.info.id} fails its full check`);
    expect(warnings[0]).toContain("missing from index u_name");
    expect(baseChecked(chain)).toBe(false);
    w.capture.stop();
    w.handle.close();
  }, 90_000);
});
