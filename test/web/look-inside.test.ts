import { describe, expect } from "bun:test";
import { type ApiScenario, runScenarios, type WebApp } from "./scenarios.ts";

/**
 * Looking inside a backup and putting rows back, through the routes as each role: one app and
 * one backup of a small shop (customers pointing to orders) for the whole file, in order: the
 * pages first, then the put-backs that change the live data.
 */
let backup = "";
const look = (part = "", query = "") =>
  `/backup/look/${encodeURIComponent(backup)}${part ? `/${part}` : ""}${query ? `?${query}` : ""}`;
const emails = (web: WebApp, ids: number[]) =>
  web.db.sqlite
    .query(`SELECT email FROM customers WHERE id IN (${ids.join(",")}) ORDER BY id`)
    .values()
    .map((r) => r[0]);
const key = (id: number) => JSON.stringify([["n", id]]);
/** A put-back's form: the table and each row's key, as the check boxes send them (the token goes as a header). */
const putBack = (ids: number[], confirmed: boolean, table = "customers") => {
  const form = new URLSearchParams({ table });
  for (const id of ids) form.append("key", key(id));
  if (confirmed) form.set("confirmed", "yes");
  return { body: form.toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } };
};

/** Rows of a table whose untyped key holds integers beyond 2^53 and text of the same digits. */
const tags = (web: WebApp) =>
  web.db.sqlite.query("SELECT quote(k), typeof(k), v FROM tags ORDER BY k").values();
let tagsInBackup: ReturnType<typeof tags> = [];
/** The check box of the deleted side of `tags`, as the page offers it. */
let tagToken = "";

async function setup(web: WebApp) {
  web.db.sqlite.run(`
    CREATE TABLE tags (k PRIMARY KEY, v TEXT) WITHOUT ROWID;
    INSERT INTO tags VALUES (4611686018427387904, 'two to the 62'), (4611686018427387905, 'and one'),
      ('4611686018427387905', 'the digits as text');
    CREATE TABLE orders (id INTEGER PRIMARY KEY, placed TEXT NOT NULL);
    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, last_order INTEGER REFERENCES orders(id));
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
      INSERT INTO orders SELECT i, '2025-09-01' FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
      INSERT INTO customers SELECT i, 'c' || i || '@example.com', i % 50 + 1 FROM n;
  `);
  backup = (await web.engine.createBackup({ kind: "manual", description: "before" })).name;
  await web.engine.settled();
  tagsInBackup = tags(web);
  web.db.sqlite.run(
    "DELETE FROM customers WHERE id IN (17, 18, 19); UPDATE customers SET email = 'new@example.com' WHERE id = 5",
  );
  web.db.sqlite.run("DELETE FROM tags WHERE k = 4611686018427387905");
}

const pages: ApiScenario[] = [
  {
    name: "the summary: each table with its rows in the backup and now",
    as: "admin",
    method: "GET",
    url: () => look(),
    expectedStatus: 200,
    expectedContent: ["Inside the backup", "customers", "200", "197", "−3", "users", "counts only"],
  },
  { name: "a user may not look inside", as: "user", method: "GET", url: () => look(), expectedStatus: 403 },
  {
    name: "a table's rows, the first page",
    as: "admin",
    method: "GET",
    url: () => look("rows", "table=customers"),
    expectedStatus: 200,
    expectedContent: ["Rows of customers in the backup", "c1@example.com", "Next page", "Download CSV"],
  },
  {
    name: "a search answers htmx with the rows alone",
    as: "admin",
    method: "GET",
    url: () => look("rows", "table=customers&search=C17%40"),
    headers: { "HX-Request": "true" },
    expectedStatus: 200,
    expectedContent: ['id="look-rows"', "c17@example.com"],
    notExpectedContent: ["<!DOCTYPE", "c18@example.com"],
  },
  {
    name: "the app's own tables show no rows",
    as: "super_admin",
    method: "GET",
    url: () => look("rows", "table=users"),
    expectedStatus: { rule: "refused", test: (status) => status >= 400 && status < 500 },
    notExpectedContent: ["argon2"],
  },
  {
    name: "the deleted side for an admin: the rows, no check boxes",
    as: "admin",
    method: "GET",
    url: () => look("diff", "table=customers&side=deleted"),
    expectedStatus: 200,
    expectedContent: ["Deleted since the backup", "c17@example.com", "c19@example.com"],
    notExpectedContent: ['name="key"', "Put back selected rows"],
  },
  {
    name: "the deleted side for a super admin: check boxes and Put back",
    as: "super_admin",
    method: "GET",
    url: () => look("diff", "table=customers&side=deleted"),
    expectedStatus: 200,
    expectedContent: ['name="key"', "Put back selected rows"],
  },
  {
    name: "the changed side: the backup's values above today's",
    as: "admin",
    method: "GET",
    url: () => look("diff", "table=customers&side=changed"),
    expectedStatus: 200,
    expectedContent: ["c5@example.com", "new@example.com"],
  },
  {
    name: "the counts, once the worker has counted them (asked again, as the page does)",
    as: "admin",
    method: "GET",
    url: () => look("counts", "table=customers&side=deleted"),
    expectedStatus: 200,
    after: async ({ web, session }) => {
      let body = "";
      for (let tries = 0; tries < 100; tries++) {
        const res = await web.request(look("counts", "table=customers&side=deleted"), {
          cookie: session?.token ?? null,
        });
        body = await res.text();
        if (!body.includes("counting…")) break;
        await Bun.sleep(50);
      }
      expect(body).not.toContain("hx-trigger");
      expect(body).toMatch(/Deleted since the backup<span class="count">3<\/span>/);
      expect(body).toMatch(/Changed<span class="count">1<\/span>/);
    },
  },
  {
    name: "a side as CSV, with its header line",
    as: "admin",
    method: "GET",
    url: () => look("csv", "table=customers&side=deleted"),
    expectedStatus: 200,
    after: ({ res, body }) => {
      expect(res.headers.get("content-type")).toStartWith("text/csv");
      expect(res.headers.get("content-disposition")).toContain("-customers-deleted.csv");
      expect(body).toContain("c18@example.com");
      expect(body).not.toContain("c20@example.com");
    },
  },
];

const putBacks: ApiScenario[] = [
  {
    name: "an admin may not put rows back",
    as: "admin",
    method: "POST",
    url: () => look("put-back"),
    ...putBack([17], true),
    expectedStatus: 403,
    after: ({ web }) => expect(emails(web, [17])).toEqual([]),
  },
  {
    name: "the question first: how many rows, of which table, from which backup",
    as: "super_admin",
    method: "POST",
    url: () => look("put-back"),
    ...putBack([17, 18], false),
    expectedStatus: 200,
    expectedContent: ["Put back 2 rows of customers", "Yes, put them back", "Keys: 17, 18"],
    expectedAudit: [],
    after: ({ web }) => expect(emails(web, [17, 18])).toEqual([]),
  },
  {
    name: "confirmed: the rows are back, audited with the table and keys, and the page says so",
    as: "super_admin",
    method: "POST",
    url: () => look("put-back"),
    ...putBack([17, 18], true),
    expectedStatus: 303,
    expectedAudit: [{ action: "backup: put rows back", outcome: "success" }],
    after: async ({ web, res, session }) => {
      expect(web.auth.audit.newest(1)[0]?.target).toBe(`2 rows of customers from ${backup}: 17, 18`);
      expect(emails(web, [17, 18])).toEqual(["c17@example.com", "c18@example.com"]);
      const next = await web.request(res.headers.get("location") ?? "", { cookie: session?.token ?? null });
      expect(await next.text()).toContain("2 rows are back in customers.");
    },
  },
  {
    name: "a row whose key exists now: refused on the question, with the reason, nothing changed",
    as: "super_admin",
    method: "POST",
    url: () => look("put-back"),
    ...putBack([19, 17], true),
    expectedStatus: 409,
    expectedContent: ["customers 17 exists now (it is not overwritten)", "Back to the difference"],
    expectedAudit: [{ action: "backup: put rows back", outcome: "failure" }],
    after: ({ web }) => expect(emails(web, [19])).toEqual([]),
  },
  {
    name: "the app's own tables are refused",
    as: "super_admin",
    method: "POST",
    url: () => look("put-back"),
    ...putBack([1], true, "users"),
    expectedStatus: { rule: "refused", test: (status) => status >= 400 && status < 500 },
    expectedContent: ["own tables"],
  },
  {
    name: "a key beyond 2^53 goes through its check box exactly: the integer, not its neighbour or its digits as text",
    as: "super_admin",
    method: "GET",
    url: () => look("diff", "table=tags&side=deleted"),
    expectedStatus: 200,
    expectedContent: ["4611686018427387905", "and one"],
    after: ({ body }) => {
      const boxes = [...body.matchAll(/name="key" value="([^"]*)"/g)].map((m) =>
        (m[1] ?? "").replaceAll("&quot;", '"').replaceAll("&amp;", "&"),
      );
      expect(boxes).toHaveLength(1);
      tagToken = boxes[0] ?? "";
    },
  },
  {
    name: "that check box, confirmed: the integer row is back as it was",
    as: "super_admin",
    method: "POST",
    url: () => look("put-back"),
    form: () => ({ table: "tags", key: tagToken, confirmed: "yes" }),
    expectedStatus: 303,
    expectedAudit: [{ action: "backup: put rows back", outcome: "success" }],
    after: ({ web }) => {
      expect(web.auth.audit.newest(1)[0]?.target).toBe(`1 row of tags from ${backup}: 4611686018427387905`);
      expect(tags(web)).toEqual(tagsInBackup);
    },
  },
];

describe("look inside a backup", () => {
  runScenarios([...pages, ...putBacks], { shared: { setup } });
});
