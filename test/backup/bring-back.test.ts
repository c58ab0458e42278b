import { beforeAll, describe, expect, test } from "bun:test";
import { BringBackError, LookError, MAX_BRING_BACK_KEYS } from "../../src/backup/index.ts";
import type { SqlValue } from "../../src/runtime/types.ts";
import { makeSetup } from "./fixtures.ts";

/**
 * Rows put back from a backup into a shop database of 100,000 customers whose orders are
 * foreign keys: exactly the rows chosen, all of them or none, each refusal with its reason.
 * One database and one backup for the file; each test deletes rows of its own.
 */
const CUSTOMERS = 100_000;

let setup: ReturnType<typeof makeSetup>;
let backup: string;

const live = () => setup.db.sqlite;
const customers = (ids: number[]) =>
  live()
    .query(`SELECT * FROM customers WHERE id IN (${ids.map(() => "?").join(",")}) ORDER BY id`)
    .all(...ids);
const bring = (table: string, keys: SqlValue[][]) =>
  setup.engine.bringRowsBack({ name: backup, table, keys, actor: "owner" });

const EXACT_KEYS = [
  4611686018427387904n,
  4611686018427387905n,
  -4611686018427387904n,
  -9223372036854775808n,
  9223372036854775807n,
];
/** Every value of `exact` with its type, integers as bigint: what SQLite holds, nothing rounded. */
const exactRows = () =>
  live()
    .query(
      "SELECT *, typeof(id), typeof(big), typeof(tally), typeof(r), typeof(loose), typeof(t), typeof(b) FROM exact ORDER BY id",
    )
    .safeIntegers(true)
    .values();

async function refusal<E extends Error = BringBackError>(
  promise: Promise<unknown>,
  kind: new (...args: never[]) => E = BringBackError as never,
): Promise<E> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  return error as E;
}

beforeAll(async () => {
  setup = makeSetup();
  // Customer 20 alone has ordered order 100001: that order can go, once customer 20 has gone.
  live().run(`
    CREATE TABLE orders (id INTEGER PRIMARY KEY, placed TEXT NOT NULL);
    CREATE TABLE customers (
      id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT,
      last_order INTEGER REFERENCES orders(id)
    );
    BEGIN;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
      INSERT INTO orders SELECT i, '2025-09-' || (i % 28 + 1) FROM n;
    INSERT INTO orders VALUES (100001, '2025-09-21');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${CUSTOMERS})
      INSERT INTO customers
      SELECT i, 'c' || i || '@example.com', 'Customer ' || i,
        CASE WHEN i = 20 THEN 100001 WHEN i % 7 = 0 THEN NULL ELSE i % 1000 + 1 END FROM n;
    COMMIT;
  `);
  // Integers at the edges of 64 bits and 2^62 with its neighbour (one double apart from it: a
  // number would round them together), REALs a number would turn into integers or lose (1.0 in an
  // untyped column, -0.0, the smallest and largest), unicode text and blobs.
  live().run(`
    CREATE TABLE tallies (id INTEGER PRIMARY KEY);
    INSERT INTO tallies VALUES (4611686018427387904), (4611686018427387905);
    CREATE TABLE exact (
      id INTEGER PRIMARY KEY, big INTEGER UNIQUE, tally INTEGER REFERENCES tallies(id),
      r REAL, loose, t TEXT, b BLOB
    );
    INSERT INTO exact VALUES
      (4611686018427387904, 4611686018427387904, 4611686018427387904, 0.1, 1.0, 'héllo ✓ 𝄞 日本', x'00ff10'),
      (4611686018427387905, 4611686018427387905, 4611686018427387905, 1e308, -0.0, '', x''),
      (-4611686018427387904, -9223372036854775808, NULL, -2.5, 9007199254740993, 'x', NULL),
      (-9223372036854775808, 9223372036854775807, NULL, 5e-324, 0.30000000000000004, NULL, zeroblob(3)),
      (9223372036854775807, 9007199254740993, NULL, -1e-308, 'text', 'y', x'');
  `);
  backup = (await setup.engine.createBackup({ kind: "manual", description: "before" })).name;
  await setup.engine.settled();
});

describe("bring rows back", () => {
  test("the chosen rows come back exactly, and only those", async () => {
    const ids = [17, 18, 49_999, 50_000];
    const before = customers(ids);
    live().run("DELETE FROM customers WHERE id IN (17, 18, 49999, 50000, 50001)");
    const result = await bring("customers", [[17], [18], [49_999], [50_000], [17]]);
    expect(result.keys).toEqual([[17], [18], [49_999], [50_000]]);
    expect(customers(ids)).toEqual(before);
    expect(customers([50_001])).toEqual([]);
    expect(live().query("SELECT count(*) AS n FROM customers").get()).toEqual({ n: CUSTOMERS - 1 });
    expect(await setup.readLog()).toContain(`Rows put back: 4 rows of customers from ${backup} by owner`);
  });

  test("a row pointing to an order that is gone refuses the whole request, naming both", async () => {
    live().run("DELETE FROM customers WHERE id IN (19, 20); DELETE FROM orders WHERE id = 100001");
    const error = await refusal(bring("customers", [[19], [20]]));
    expect(error.code).toBe("bring_back.refused");
    expect(error.message).toBe(
      "Nothing was put back: customers 20 would point to orders 100001, which does not exist now.",
    );
    expect(customers([19, 20])).toEqual([]);
  });

  test("a row whose unique e-mail is taken now is refused, and nothing changes", async () => {
    live().run(
      "DELETE FROM customers WHERE id IN (30, 31); INSERT INTO customers VALUES (200000, 'c30@example.com', 'New', NULL)",
    );
    const error = await refusal(bring("customers", [[31], [30]]));
    expect(error.message).toBe("Nothing was put back: customers 30: a row with the same email exists now.");
    expect(customers([30, 31])).toEqual([]);
  });

  test("rows whose key exists now are refused, never overwritten", async () => {
    live().run("UPDATE customers SET name = 'Changed' WHERE id = 1; DELETE FROM customers WHERE id = 2");
    const error = await refusal(bring("customers", [[1], [2]]));
    expect(error.message).toBe("Nothing was put back: customers 1 exists now (it is not overwritten).");
    expect(customers([1, 2])).toMatchObject([{ id: 1, name: "Changed" }]);
  });

  test("integers beyond 2^53, REALs, text and blobs come back exactly as stored", async () => {
    const before = exactRows();
    live().run("DELETE FROM exact");
    const keys = EXACT_KEYS.map((k) => [k]);
    expect((await bring("exact", keys)).keys).toEqual(keys);
    expect(exactRows()).toEqual(before);
    // -0.0 keeps its sign (toEqual tells 0 from -0 too; said here in so many words).
    const loose = live().query("SELECT loose FROM exact WHERE id = 4611686018427387905").values();
    expect(Object.is(loose[0]?.[0], -0)).toBe(true);
  });

  test("keys, unique values and references beyond 2^53 are checked exactly, not by a neighbour", async () => {
    const big = 4611686018427387905n;
    const row = () => exactRows().filter((r) => r[0] === big);
    const before = row();
    // 2^62 (key, unique value and parent) is still there: its neighbour is free to come back.
    live().run(`DELETE FROM exact WHERE id = ${big}`);
    await bring("exact", [[big]]);
    expect(row()).toEqual(before);
    live().run(`DELETE FROM exact WHERE id = ${big}; DELETE FROM tallies WHERE id = ${big}`);
    expect((await refusal(bring("exact", [[big]]))).message).toBe(
      `Nothing was put back: exact ${big} would point to tallies ${big}, which does not exist now.`,
    );
    live().run(`INSERT INTO tallies VALUES (${big}); INSERT INTO exact (id, big) VALUES (1, ${big})`);
    expect((await refusal(bring("exact", [[big]]))).message).toBe(
      `Nothing was put back: exact ${big}: a row with the same big exists now.`,
    );
    expect(row()).toEqual([]);
  });

  test("the app's own tables are refused, however their name is written", async () => {
    for (const table of ["users", "Sessions", "audit_log", "database_identity", "__drizzle_migrations"]) {
      const error = await refusal(bring(table, [[1]]), LookError);
      expect(error.code).toBe("look.app_table");
    }
  });

  test("keys the backup does not have, keys of the wrong shape, and too many keys are refused", async () => {
    expect((await refusal(bring("customers", [[CUSTOMERS + 5]]))).message).toBe(
      `Nothing was put back: customers ${CUSTOMERS + 5} is not in the backup.`,
    );
    expect((await refusal(bring("customers", [[1, 2]]))).code).toBe("bring_back.bad_keys");
    expect((await refusal(bring("customers", []))).code).toBe("bring_back.bad_keys");
    const many = Array.from({ length: MAX_BRING_BACK_KEYS + 1 }, (_, i) => [i + 1]);
    expect((await refusal(bring("customers", many))).message).toContain("at most 500 go back at once");
  });

  test("refusals are answers, not faults: no ERROR in the log, no last problem", async () => {
    expect(await setup.readLog()).not.toContain("Putting rows back failed");
    expect(setup.engine.lastError).toBeNull();
  });
});
