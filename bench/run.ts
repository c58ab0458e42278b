/**
 * `npm run bench`: measures the app and prints a table with each figure next to its target.
 *   --runs N        repetitions of each measurement (default 5; median, min and max are shown)
 *   --json FILE     also write the figures as JSON
 * Never part of `npm test`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildExecutable } from "../build.ts";
import { measureStartup } from "./startup.ts";
import { printTable, type Row } from "./table.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string" }, json: { type: "string" } },
  strict: true,
});
const runs = Number(values.runs ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("--runs must be a whole number of at least 1");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "business-app-bench-"));
try {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, ${runs} runs each\n`);
  const exe = buildExecutable({ target: "host", outdir: join(work, "dist") });
  const rows: Row[] = [];
  rows.push(
    await measureStartup({ name: "first /api/health after start (executable)", command: [exe], work, runs }),
  );
  rows.push(
    await measureStartup({
      name: "first /api/health after start (from source)",
      command: [process.execPath, join(import.meta.dir, "..", "src", "main.ts")],
      work,
      runs,
    }),
  );
  printTable(rows);
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ bun: Bun.version, runs, rows }, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
