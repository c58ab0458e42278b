import { Database } from "bun:sqlite";
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import {
  type DiffSide,
  diffCounts,
  diffTable,
  exportCsv,
  type LookContext,
  LookError,
  readRows,
  summarizeBackup,
} from "../../src/backup/index.ts";
import { runCli } from "../../src/cli/index.ts";
import { appCommand, cleanEnv, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { craftBackup, craftedCase } from "./crafted.ts";
import { makeSetup } from "./fixtures.ts";

/** Keys beyond JavaScript's exact integers (2^53), in key order: neighbours near ±2^62 and the ends. */
const BIG = [
  "-9223372036854775808",
  "-4611686018427387905",
  "-4611686018427387904",
  "1",
  "4611686018427387904",
  "4611686018427387905",
  "4611686018427387906",
  "9223372036854775807",
];

/**
 * A shop's tables with foreign keys, names that need quoting, a composite key, a table without a
 * key; the backup taken, then today's data changed (rows deleted, added, changed).
 */
function shopWithBackup(customers: number) {
  const setup = makeSetup();
  const { db, engine } = setup;
  db.sqlite.run(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);
    CREATE TABLE "order" (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), "it""s" TEXT, total REAL);
    CREATE TABLE lines (order_id INTEGER NOT NULL REFERENCES "order"(id), n INTEGER NOT NULL, what TEXT,
      PRIMARY KEY (order_id, n)) WITHOUT ROWID;
    CREATE TABLE notes (body TEXT, "@n" INTEGER);
    CREATE TABLE big (id INTEGER PRIMARY KEY, amount INTEGER, label TEXT);`);
  db.sqlite.transaction(() => {
    db.sqlite.run(`INSERT INTO customers (id, name, note)
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${customers})
      SELECT n, 'Customer ' || n, CASE n % 4 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'note ' || n END FROM c`);
    db.sqlite.run(`INSERT INTO "order" (id, customer_id, "it""s", total)
      SELECT id, id, 'say "hi", ok' || char(10) || 'next line', id * 1.5 FROM customers WHERE id % 10 = 0`);
    db.sqlite.run(`INSERT INTO lines SELECT id, 1, 'first' FROM "order"`);
    db.sqlite.run(`INSERT INTO lines SELECT id, 2, NULL FROM "order" WHERE id % 20 = 0`);
    db.sqlite.run(`INSERT INTO notes VALUES ('one', 1), ('two', -2), ('=1+2', NULL), ('+x', NULL), ('-5', -5),
      ('@SUM(A1)', NULL), (char(9) || 'tab', NULL), (char(13) || 'cr', NULL), ('a=b', NULL)`);
    db.sqlite.run(`INSERT INTO big VALUES ${BIG.map((id) => `(${id}, ${id}, 'k ${id}')`).join(", ")}`);
  })();
  return { ...setup, backup: engine.createBackup({ kind: "manual" }) };
}

function changeToday(db: ReturnType<typeof makeSetup>["db"]): void {
  db.sqlite.run(`
    DELETE FROM lines WHERE order_id IN (30, 40);
    DELETE FROM "order" WHERE id IN (30, 40);
    DELETE FROM customers WHERE id IN (7, 30, 40);
    INSERT INTO customers (name, note) VALUES ('New one', 'x'), ('New two', NULL);
    UPDATE customers SET note = NULL WHERE id = 5;      -- '' → NULL: changed
    UPDATE customers SET note = '' WHERE id = 8;        -- NULL → '': changed
    UPDATE customers SET name = 'Renamed' WHERE id = 9;
    UPDATE customers SET id = id WHERE id = 10;         -- the same values: not changed
    UPDATE "order" SET total = 15 WHERE id = 10;        -- 15.0 IS 15: not changed
    UPDATE lines SET what = 'second' WHERE order_id = 20 AND n = 2;
    UPDATE big SET amount = amount + 1 WHERE id = 4611686018427387905;`);
}

/** Rows of a table as `JSON key → JSON values`, read independently with bun:sqlite. */
function rowsOf(path: string, table: string, key: string[]): Map<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.query(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all() as Record<
      string,
      unknown
    >[];
    return new Map(rows.map((r) => [JSON.stringify(key.map((k) => r[k])), JSON.stringify(Object.values(r))]));
  } finally {
    db.close();
  }
}

function expectedDiff(backupPath: string, livePath: string, table: string, key: string[]) {
  const before = rowsOf(backupPath, table, key);
  const now = rowsOf(livePath, table, key);
  const deleted = [...before.keys()].filter((k) => !now.has(k));
  const added = [...now.keys()].filter((k) => !before.has(k));
  const changed = [...before.keys()].filter((k) => now.has(k) && now.get(k) !== before.get(k));
  return { deleted, added, changed };
}

async function walkDiff(look: LookContext, name: string, table: string, side: DiffSide, limit: number) {
  const keys: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await diffTable(look, { name, table, side, after, limit });
    keys.push(...page.rows.map((r) => JSON.stringify(r.key)));
    if (page.next === null) return keys;
    after = page.next;
  }
  throw new Error("the walk did not end");
}

/** RFC 4180 lines back into values: an unquoted empty field is NULL, a quoted one "". */
function parseCsv(text: string): (string | null)[][] {
  const lines: (string | null)[][] = [];
  let line: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let end = i + 1;
      value = "";
      for (;;) {
        const quote = text.indexOf('"', end);
        value += text.slice(end, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          end = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
    } else {
      const stop = text.slice(i).search(/,|\r\n/);
      const field = text.slice(i, i + stop);
      value = field === "" ? null : field;
      i += stop;
    }
    line.push(value);
    if (text.startsWith("\r\n", i)) {
      lines.push(line);
      line = [];
      i += 2;
    } else i += 1;
  }
  return lines;
}

async function csvOf(look: LookContext, request: Parameters<typeof exportCsv>[1]): Promise<string> {
  let text = "";
  for await (const chunk of exportCsv(look, request)) text += chunk;
  return text;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LookError) return error.code;
    throw error;
  }
  throw new Error("not refused");
}

describe("looking inside a small backup", () => {
  let shop: ReturnType<typeof shopWithBackup> & { name: string };
  beforeAll(async () => {
    const made = shopWithBackup(200);
    shop = { ...made, name: (await made.backup).name };
    changeToday(shop.db);
  });

  test("the summary lists every table with its rows then and now; the app's tables give counts only", async () => {
    const { engine, name } = shop;
    const summary = await summarizeBackup(engine, name);
    const byName = new Map(summary.tables.map((t) => [t.name, t]));
    expect(byName.get("customers")).toMatchObject({
      backupRows: 200,
      nowRows: 199,
      appTable: false,
      key: ["id"],
    });
    expect(byName.get("order")).toMatchObject({
      backupRows: 20,
      nowRows: 18,
      columns: ["id", "customer_id", 'it"s', "total"],
    });
    expect(byName.get("lines")?.key).toEqual(["order_id", "n"]);
    expect(byName.get("notes")).toMatchObject({ key: null, appTable: false });
    for (const app of ["users", "sessions", "audit_log", "database_identity", "__drizzle_migrations"])
      expect(byName.get(app)?.appTable).toBe(true);
    expect(byName.get("database_identity")?.backupRows).toBe(1);
    expect(summary.nowUnknown).toBeNull();

    expect(await refusal(readRows(engine, { name, table: "users" }))).toBe("look.app_table");
    expect(await refusal(diffTable(engine, { name, table: "sessions", side: "added" }))).toBe(
      "look.app_table",
    );
    expect(await refusal(csvOf(engine, { name, table: "users" }))).toBe("look.app_table");
    expect(await refusal(readRows(engine, { name, table: "nothing" }))).toBe("look.not_found");
  });

  test("paging shows every row exactly once, in key order, whatever the page size", async () => {
    const { engine, name } = shop;
    for (const [table, limit] of [
      ["customers", 7],
      ["order", 3],
      ["lines", 4],
      ["notes", 1],
    ] as const) {
      const seen: unknown[][] = [];
      let after: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const page = await readRows(engine, { name, table, after, limit });
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows);
        if (page.next === null) break;
        after = page.next;
      }
      const file = new Database(engine.pathOf(name), { readonly: true });
      const all = file.query(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number };
      file.close();
      expect(seen.length).toBe(all.n);
      expect(new Set(seen.map((r) => JSON.stringify(r))).size).toBe(seen.length);
    }
    const page = await readRows(engine, { name, table: "order", limit: 1 });
    expect(page.rows[0]).toEqual([10, 10, 'say "hi", ok\nnext line', 15]);
    expect(await refusal(readRows(engine, { name, table: "order", after: "not-a-cursor!" }))).toBe(
      "look.bad_cursor",
    );
  });

  test("integers beyond 2^53 are read, paged, compared and exported exactly", async () => {
    const { engine, name } = shop;
    const exact = (digits: string) => (Number.isSafeInteger(Number(digits)) ? Number(digits) : digits);
    const seen: unknown[][] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await readRows(engine, { name, table: "big", after, limit: 1 });
      seen.push(...page.rows);
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toEqual(BIG.map((id) => [exact(id), exact(id), `k ${id}`]));
    const changed = await diffTable(engine, { name, table: "big", side: "changed", limit: 1 });
    expect(changed.rows).toEqual([
      {
        key: ["4611686018427387905"],
        exactKey: [4611686018427387905n],
        backup: ["4611686018427387905", "4611686018427387905", "k 4611686018427387905"],
        now: ["4611686018427387905", "4611686018427387906", "k 4611686018427387905"],
      },
    ]);
    expect(await diffCounts(engine, { name, table: "big", wait: true })).toEqual({
      deleted: 0,
      added: 0,
      changed: 1,
    });
    const csv = parseCsv(await csvOf(engine, { name, table: "big" }));
    expect(csv.slice(1).map((l) => l.slice(0, 2))).toEqual(BIG.map((id) => [id, id]));
  });

  test("the difference by primary key matches one computed apart, side by side, page by page", async () => {
    const { engine, name, paths } = shop;
    for (const [table, key] of [
      ["customers", ["id"]],
      ["order", ["id"]],
      ["lines", ["order_id", "n"]],
    ] as const) {
      const expected = expectedDiff(engine.pathOf(name), paths.database, table, [...key]);
      const counts = await diffCounts(engine, { name, table, wait: true });
      expect(counts).toEqual({
        deleted: expected.deleted.length,
        added: expected.added.length,
        changed: expected.changed.length,
      });
      for (const side of ["deleted", "added", "changed"] as const)
        expect(await walkDiff(engine, name, table, side, 2)).toEqual(expected[side]);
    }
    // customers: 3 deleted, 2 added, ids 5, 8, 9 changed (NULL and "" differ; the same values do not).
    expect(await walkDiff(engine, name, "customers", "changed", 50)).toEqual(["[5]", "[8]", "[9]"]);
    const changed = await diffTable(engine, { name, table: "customers", side: "changed" });
    expect(changed.rows[0]).toEqual({
      key: [5],
      exactKey: [5n],
      backup: [5, "Customer 5", ""],
      now: [5, "Customer 5", null],
    });
    expect(await diffCounts(engine, { name, table: "customers" })).toEqual({
      deleted: 3,
      added: 2,
      changed: 3,
    });
    expect(await refusal(diffTable(engine, { name, table: "notes", side: "deleted" }))).toBe("look.no_key");
  });

  test("CSV round-trips quotes, commas, line breaks, and keeps NULL apart from the empty text", async () => {
    const { engine, name } = shop;
    const lines = parseCsv(await csvOf(engine, { name, table: "order" }));
    expect(lines[0]).toEqual(["id", "customer_id", 'it"s', "total"]);
    expect(lines.slice(1)).toHaveLength(20);
    expect(lines[1]).toEqual(["10", "10", 'say "hi", ok\nnext line', "15"]);
    const customers = parseCsv(await csvOf(engine, { name, table: "customers" }));
    expect(customers[1]).toEqual(["1", "Customer 1", ""]);
    expect(customers[4]).toEqual(["4", "Customer 4", null]);
    const deleted = parseCsv(await csvOf(engine, { name, table: "customers", side: "deleted" }));
    expect(deleted.map((l) => l[0])).toEqual(["change", "deleted", "deleted", "deleted"]);
  });

  test("CSV: text a spreadsheet would take for a formula starts with a quote; numbers do not", async () => {
    const { engine, name } = shop;
    expect(parseCsv(await csvOf(engine, { name, table: "notes" }))).toEqual([
      ["body", "'@n"],
      ["one", "1"],
      ["two", "-2"],
      ["'=1+2", null],
      ["'+x", null],
      ["'-5", "-5"],
      ["'@SUM(A1)", null],
      ["'\ttab", null],
      ["'\rcr", null],
      ["a=b", null],
    ]);
  });

  test("the command line shows the summary, the rows, the difference and CSV", async () => {
    const { name, paths } = shop;
    const run = async (...args: string[]) => {
      let out = "";
      let err = "";
      const code = await runCli(["inspect", name, "--data-dir", paths.dataDir, ...args], {
        env: {},
        cwd: paths.dataDir,
        appDir: paths.dataDir,
        version: "test",
        stdout: (t) => {
          out += t;
        },
        stderr: (t) => {
          err += t;
        },
      });
      return { code, out, err };
    };
    const summary = await run();
    expect(summary.code).toBe(0);
    expect(summary.out).toMatch(/customers\s+200\s+199\s+-1/);
    expect(summary.out).toMatch(/users\s+0\s+0\s+0\s+BusinessApp's own: counts only/);
    // A count alone hides rows deleted and others added: the summary says where to see them.
    expect(summary.out).toContain(`inspect ${name} --table T --diff`);
    const rows = await run("--table", "customers", "--search", "CUSTOMER 19");
    expect(rows.out).toContain("Customer 190");
    const diff = await run("--table", "customers", "--diff");
    expect(diff.out).toContain("3 deleted, 2 added, 3 changed since the backup");
    const csv = await run("--table", "customers", "--diff", "--csv");
    expect(parseCsv(csv.out).map((l) => l[0])).toEqual([
      "change",
      ...["deleted", "deleted", "deleted", "added", "added"],
      ...[
        "changed: backup",
        "changed: now",
        "changed: backup",
        "changed: now",
        "changed: backup",
        "changed: now",
      ],
    ]);
    const json = JSON.parse((await run("--table", "order", "--json")).out);
    expect(json.rows).toHaveLength(20);
    // The difference as JSON: keys as shown (the exact key, a bigint, is not JSON).
    const diffJson = JSON.parse((await run("--table", "customers", "--diff", "--json")).out);
    expect(diffJson.changed.rows[0]).toEqual({
      key: [5],
      backup: [5, "Customer 5", ""],
      now: [5, "Customer 5", null],
    });
    const refused = await run("--table", "users");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("only its row count is shown");
  });

  test("the real command (as BUSINESS_APP_LAUNCHER starts the app) reads through its workers and exits", async () => {
    const { name, paths } = shop;
    // Bounded: a worker thread that kept the process alive would show as a kill, not as a hang.
    const proc = Bun.spawn(
      [...appCommand(), "inspect", name, "--table", "customers", "--diff", "--data-dir", paths.dataDir],
      {
        cwd: paths.dataDir,
        env: cleanEnv(),
        stdout: "pipe",
        stderr: "pipe",
        stdin: "ignore",
        timeout: 30_000,
      },
    );
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ code, signal: proc.signalCode, err }).toEqual({ code: 0, signal: null, err: "" });
    expect(out).toContain("3 deleted, 2 added, 3 changed since the backup");
    expect(out).toContain("Customer 7");
  });

  test("a hostile file is refused before anything of it is read; an unverified backup is not opened", async () => {
    const { engine, name, paths } = shop;
    const trigger = craftBackup(craftedCase("items_trigger"));
    const view = craftBackup(craftedCase("extra_view"));
    const respelled = craftBackup(craftedCase("shop_items"));
    // The stored statement respelled through `writable_schema` (the sqlite3 shell allows it).
    const hostile = [trigger, view];
    if (!missing("sqlite3")) {
      const edit = Bun.spawnSync([
        "sqlite3",
        respelled,
        `CREATE TRIGGER respelled AFTER DELETE ON items BEGIN DELETE FROM users; END;
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'create/**/TRIGGER "respelled" after delete on items begin delete from users; end' WHERE name = 'respelled';`,
      ]);
      expect(edit.exitCode).toBe(0);
      hostile.push(respelled);
    }
    for (const path of hostile) {
      const look: LookContext = { database: paths.database, find: (n) => engine.find(n), pathOf: () => path };
      expect(await refusal(summarizeBackup(look, name))).toBe("look.untrusted");
      expect(await refusal(readRows(look, { name, table: "items" }))).toBe("look.untrusted");
    }
    const unverified: LookContext = {
      database: paths.database,
      find: (n) => ({ ...engine.find(n), health: "unchecked" }),
      pathOf: (n) => engine.pathOf(n),
    };
    expect(await refusal(readRows(unverified, { name, table: "customers" }))).toBe("look.unverified");
  });

  test("a count is fresh after each of many quick commits that leave the files' sizes and times as they were", async () => {
    const { engine, name, db, paths } = shop;
    const files = [paths.database, `${paths.database}-wal`];
    // Each commit's WAL starts again at its beginning (sizes stay), and the times are set back as a
    // clock that ticks in coarse steps would leave them: only what SQLite wrote tells them apart.
    const commit = (sql: string) => {
      db.sqlite.run(sql);
      db.sqlite.run("PRAGMA wal_checkpoint(RESTART)");
      for (const file of files) utimesSync(file, 1_700_000_000, 1_700_000_000);
    };
    commit(`UPDATE "order" SET total = total WHERE id = 20`);
    const first = await diffCounts(engine, { name, table: "order", wait: true });
    if (first === "counting") throw new Error("a count asked to wait answered counting");
    const sizes = files.map((f) => statSync(f).size);
    for (let i = 1; i <= 4; i++) {
      commit(`UPDATE "order" SET "it""s" = 'changed' WHERE id = ${50 + 10 * i}`);
      expect(files.map((f) => statSync(f).size)).toEqual(sizes);
      expect(await diffCounts(engine, { name, table: "order", wait: true })).toEqual({
        ...first,
        changed: first.changed + i,
      });
    }
  });

  test("the summary takes the backup's rows recorded with it, and today's afresh after a commit", async () => {
    const { engine, name, db, paths } = shop;
    // A copy elsewhere is another file: nothing counted of the backup is kept for it yet.
    const copy = join(tempDir("business-app-look-"), "copy.db");
    copyFileSync(engine.pathOf(name), copy);
    const recorded: LookContext = {
      database: paths.database,
      find: (n) => ({ ...engine.find(n), rowCounts: { ...engine.find(n).rowCounts, customers: 12_345 } }),
      pathOf: () => copy,
    };
    const customers = async () =>
      (await summarizeBackup(recorded, name)).tables.find((t) => t.name === "customers");
    const before = await customers();
    expect(before?.backupRows).toBe(12_345);
    db.sqlite.run("INSERT INTO customers (name) VALUES ('Counted again')");
    expect((await customers())?.nowRows).toBe((before?.nowRows ?? 0) + 1);
    db.sqlite.run("DELETE FROM customers WHERE name = 'Counted again'");
    expect(await customers()).toEqual(before);
  });
});

test("100,000 rows with foreign keys: a search finds rows on later pages, the difference walks them all", async () => {
  const made = shopWithBackup(100_000);
  const { engine, db, paths } = made;
  const { name } = await made.backup;
  db.sqlite.run("DELETE FROM customers WHERE id IN (99991, 99993) OR id % 25000 = 3");
  db.sqlite.run("UPDATE customers SET name = 'Zed' WHERE id = 12345");
  // Past the first call's budget of 20,000 rows: found by going on from `next`.
  const found: unknown[][] = [];
  let after: string | undefined;
  let calls = 0;
  do {
    const page = await readRows(engine, { name, table: "customers", search: "customer 9999", after });
    found.push(...page.rows);
    after = page.next ?? undefined;
    calls++;
  } while (after !== undefined && calls < 100);
  expect(calls).toBeGreaterThan(1);
  expect(found.map((r) => r[0])).toEqual([
    9999, 99990, 99991, 99992, 99993, 99994, 99995, 99996, 99997, 99998, 99999,
  ]);
  const expected = expectedDiff(engine.pathOf(name), paths.database, "customers", ["id"]);
  expect(await walkDiff(engine, name, "customers", "deleted", 500)).toEqual(expected.deleted);
  expect(await walkDiff(engine, name, "customers", "changed", 500)).toEqual(["[12345]"]);
  expect(await diffCounts(engine, { name, table: "customers", wait: true })).toEqual({
    deleted: 6,
    added: 0,
    changed: 1,
  });
});
