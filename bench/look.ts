import { Database } from "bun:sqlite";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { encodeCursor } from "../src/backup/browse/values.ts";
import { diffCounts, diffTable, readRows, summarizeBackup } from "../src/backup/index.ts";
import { idleAndPeak } from "./rss.ts";
import { type Row, summarize } from "./table.ts";

/**
 * Looking inside a backup (Bun, in the bench's process, as the serving app does it): a verified
 * backup of a copy of the database, then today's data changed a little (rows deleted, added,
 * changed); the time of the summary (the first, one after a commit, one again with the counts
 * kept), the first page of the largest table, a page deep in it, a search page (one call: its
 * budget is 20,000 rows or 150 ms), a page of a difference, and the full count of a difference
 * (a walk of both tables in the worker); each page ≤ 200 ms. And the resident memory's growth
 * while all of it runs once more: the file is never read whole.
 */
export async function measureLook(options: { database: string; work: string; runs: number; label: string }) {
  const { database, work, runs, label } = options;
  const dataDir = join(work, "look");
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(database, join(dataDir, "business_data.db"));
  try {
    const app = createApp(
      { flags: { data_dir: dataDir }, env: {}, appDir: dataDir, cwd: dataDir },
      { echo: null },
    );
    mkdirSync(app.paths.backupsDir, { recursive: true });
    app.db.open();
    const { name } = await app.engine.createBackup({ kind: "manual" });
    app.db.close();
    const live = new Database(app.paths.database);
    const last = (live.query("SELECT max(id) AS n FROM sale_lines").get() as { n: number }).n;
    live.run(`DELETE FROM sale_lines WHERE id % 1000 = 7`);
    live.run(`UPDATE sale_lines SET quantity = quantity + 1 WHERE id % 1000 = 9`);
    live.run(
      `INSERT INTO sale_lines (sale_id, product_id, quantity, price_cents) SELECT sale_id, product_id, 1, 1 FROM sale_lines WHERE id % 1000 = 11`,
    );
    live.close();
    // Held open while it serves, as the app does: the live data's version then stays as it is
    // between commits (a last connection's close rewrites the files, a new version each time).
    app.db.open();
    const engine = app.engine;
    const table = "sale_lines";
    const deep = encodeCursor([Math.floor(last * 0.9)]);
    const steps: [string, () => Promise<unknown>][] = [
      ["summary again (counts kept)", () => summarizeBackup(engine, name)],
      ["first page of 50 rows", () => readRows(engine, { name, table })],
      ["a page 90% deep in the table", () => readRows(engine, { name, table, after: deep })],
      ["a search page (one call, bounded)", () => readRows(engine, { name, table, search: "no such text" })],
      ["a page of the difference (changed)", () => diffTable(engine, { name, table, side: "changed" })],
    ];
    const samples = new Map<string, number[]>(steps.map(([step]) => [step, []]));
    const counts: number[] = [];
    const recounted: number[] = [];
    // The first summary judges the file (the trust rule, once per file) and counts both sides; after
    // a commit today's rows are counted again (the backup's stay kept): both timed apart.
    const judged = await timed(() => summarizeBackup(engine, name));
    for (let run = 0; run < runs; run++) {
      touchToday(app.paths.database);
      recounted.push(await timed(() => summarizeBackup(engine, name)));
      for (const [step, call] of steps) samples.get(step)?.push(await timed(call));
      counts.push(await timed(() => diffCountsFresh(engine, name, table, app.paths.database)));
    }
    const memory = await idleAndPeak(async () => {
      for (const [, call] of steps) await call();
      await diffCountsFresh(engine, name, table, app.paths.database);
    });
    app.db.close();
    const rows: Row[] = [
      summarize(`${label}: look inside: first summary (judges the file, counts both)`, "ms", [judged]),
      summarize(`${label}: look inside: summary after a commit (today's rows counted)`, "ms", recounted),
    ];
    for (const [step] of steps)
      rows.push(summarize(`${label}: look inside: ${step}`, "ms", samples.get(step) ?? [], 200));
    rows.push(summarize(`${label}: look inside: full count of the difference (worker)`, "ms", counts));
    rows.push(
      summarize(`${label}: look inside: memory growth at the peak`, "MiB", [
        (memory.peak - memory.idle) / 2 ** 20,
      ]),
    );
    return rows;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** The full count, not the one kept from the last run: today's data is touched first (a new version). */
async function diffCountsFresh(
  engine: Parameters<typeof diffCounts>[0],
  name: string,
  table: string,
  database: string,
) {
  touchToday(database);
  return diffCounts(engine, { name, table, wait: true });
}

/** One commit to today's data: a new version of it, so nothing counted before is kept for it. */
function touchToday(database: string): void {
  const live = new Database(database);
  live.run("UPDATE sale_lines SET price_cents = price_cents + 1 WHERE id = 1");
  live.close();
}
