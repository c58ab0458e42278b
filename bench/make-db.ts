import { Database } from "bun:sqlite";
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseHandle } from "../src/db/handle.ts";

const UNIQUE = [
  ["customers", "remote_id"],
  ["products", "remote_id"],
  ["products", "sku"],
  ["sales", "remote_id"],
];

/**
 * Makes a realistic shop database of about `megabytes`: the app's own tables (migrated), plus
 * customers, products, sales with line items (text, numbers, a `remote_id` for sync, indexes)
 * and product pictures as blobs, which make up most of the size.
 */
export function makeDatabase(path: string, megabytes: number): number {
  mkdirSync(dirname(path), { recursive: true });
  const handle = new DatabaseHandle(path);
  handle.open();
  handle.close();
  const db = new Database(path);
  // Written once, straight into the file (no log to copy it through again), then WAL as the app keeps it.
  db.run("PRAGMA journal_mode = DELETE");
  db.run("PRAGMA journal_mode = OFF");
  db.run("PRAGMA synchronous = OFF");
  db.run("PRAGMA cache_size = -262144");
  db.run(`CREATE TABLE customers (id INTEGER PRIMARY KEY, remote_id TEXT, name TEXT NOT NULL,
          email TEXT, phone TEXT, address TEXT, created_at INTEGER NOT NULL)`);
  db.run(`CREATE TABLE products (id INTEGER PRIMARY KEY, remote_id TEXT, sku TEXT NOT NULL,
          name TEXT NOT NULL, description TEXT, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL, picture BLOB)`);
  db.run(`CREATE TABLE sales (id INTEGER PRIMARY KEY, remote_id TEXT, customer_id INTEGER REFERENCES customers(id),
          total_cents INTEGER NOT NULL, note TEXT, sold_at INTEGER NOT NULL)`);
  db.run(`CREATE TABLE sale_lines (id INTEGER PRIMARY KEY, sale_id INTEGER NOT NULL REFERENCES sales(id),
          product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL, price_cents INTEGER NOT NULL)`);

  const target = megabytes * 1024 * 1024;
  // A quarter of the size in rows of text and numbers, the rest in pictures.
  const rowsBudget = Math.floor(target / 4);
  const customers = Math.max(100, Math.floor(rowsBudget / 4 / 200));
  const sales = Math.max(100, Math.floor(rowsBudget / 2 / 150));
  const pictures = Math.max(10, Math.floor((target - rowsBudget) / 48_000));
  db.transaction(() => {
    db.run(
      `INSERT INTO customers (remote_id, name, email, phone, address, created_at)
       SELECT lower(hex(randomblob(16))), 'Customer ' || n, 'customer' || n || '@example.test',
              '+1 555 ' || (100000 + n), n || ' Market Street, Springfield', 1700000000000 + n * 1000
       FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${customers}) SELECT n FROM c)`,
    );
    db.run(
      `INSERT INTO products (remote_id, sku, name, description, price_cents, stock, picture)
       SELECT lower(hex(randomblob(16))), 'SKU-' || n, 'Product ' || n, 'A fine product number ' || n,
              100 + (n * 37) % 10000, n % 500, randomblob(40000 + (n * 7919) % 16000)
       FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${pictures}) SELECT n FROM c)`,
    );
    db.run(
      `INSERT INTO sales (remote_id, customer_id, total_cents, note, sold_at)
       SELECT lower(hex(randomblob(16))), 1 + n % ${customers}, 500 + (n * 13) % 50000,
              CASE WHEN n % 7 = 0 THEN 'Paid by card, receipt ' || n ELSE NULL END, 1700000000000 + n * 60000
       FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${sales}) SELECT n FROM c)`,
    );
    db.run(
      `INSERT INTO sale_lines (sale_id, product_id, quantity, price_cents)
       SELECT 1 + n % ${sales}, 1 + n % ${pictures}, 1 + n % 5, 100 + n % 9000
       FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${sales * 2}) SELECT n FROM c)`,
    );
    // Indexes made once the rows are in (one sort each), not row by row in random order.
    for (const [table, column] of UNIQUE)
      db.run(`CREATE UNIQUE INDEX ${table}_${column} ON ${table} (${column})`);
    db.run("CREATE INDEX sales_sold_at ON sales (sold_at)");
    db.run("CREATE INDEX sale_lines_sale ON sale_lines (sale_id)");
    db.run("CREATE INDEX products_name ON products (name)");
  })();
  db.run("PRAGMA journal_mode = WAL");
  db.close();
  return statSync(path).size;
}
