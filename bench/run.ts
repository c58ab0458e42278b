/**
 * `npm run bench`: measures the app and prints a table with each figure, its ratio to the
 * anchor (`sqlite3 .backup` for snapshots) and its target. Never part of `npm test`.
 *   --sizes 256,1024   database sizes in MB (default 256 and 1024)
 *   --runs N           repetitions of each measurement (default 5; median, min and max are shown)
 *   --json FILE        also write the figures as JSON
 *   --only look        only looking inside a backup (no executable, no other contenders needed)
 *   --only offsite     only the off-site copies (Bun and deno run from source)
 *   --only status      only the Database Backup page
 *   --only contention  only a person's restore and backup beside the app's background work (Bun)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { buildExecutable } from "../build.ts";
import { measureContention } from "./contention.ts";
import { measureContinuous } from "./continuous.ts";
import { measureLook } from "./look.ts";
import { makeDatabase } from "./make-db.ts";
import { measureMemory } from "./memory.ts";
import { measureOffsite } from "./offsite.ts";
import { measureStatusPage, onlyStatusPage } from "./render.ts";
import { measureRestore } from "./restore.ts";
import { benchRuntimes } from "./runtimes.ts";
import { measureServing } from "./serving.ts";
import { measureSnapshots } from "./snapshot.ts";
import { measureStartup } from "./startup.ts";
import { printTable, type Row } from "./table.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    runs: { type: "string" },
    sizes: { type: "string" },
    json: { type: "string" },
    only: { type: "string" },
  },
  strict: true,
});
const runs = Number(values.runs ?? 5);
const sizes = (values.sizes ?? "256,1024").split(",").map(Number);
if (!Number.isInteger(runs) || runs < 1 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
  console.error("--runs must be a whole number of at least 1, --sizes a list of whole MB such as 256,1024");
  process.exit(2);
}
if (values.only === "status") process.exit(await onlyStatusPage(runs));
const onlyOne = ["look", "offsite", "contention"];
if (values.only !== undefined && !onlyOne.includes(values.only)) {
  console.error(
    "--only takes look (looking inside a backup), offsite (off-site copies), contention (operations beside background work) or status (the Database Backup page)",
  );
  process.exit(2);
}
if (values.only !== undefined) {
  const work = mkdtempSync(join(tmpdir(), "business-app-bench-"));
  try {
    const rows: Row[] = [];
    for (const size of sizes) {
      const database = join(work, `shop-${size}`, "business_data.db");
      const label = `${(makeDatabase(database, size) / 1024 / 1024).toFixed(0)} MB`;
      console.log(`made ${label} database`);
      if (values.only === "look") rows.push(...(await measureLook({ database, work, runs, label })));
      else if (values.only === "contention")
        rows.push(...(await measureContention({ database, work, runs, label })));
      else rows.push(...(await measureOffsite({ database, work, runs, label, runtimes: benchRuntimes("") })));
      rmSync(dirname(database), { recursive: true, force: true });
    }
    printTable(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}
if (Bun.spawnSync(["sh", "-c", "command -v sqlite3"]).exitCode !== 0) {
  console.error(
    "The benchmarks compare with the sqlite3 shell, which is not installed: apt-get install sqlite3",
  );
  process.exit(2);
}

// The off-site copies are compared with the age command and copied to s3rver, which runs under Node.
for (const [tool, install] of [
  ["age", "apt-get install age"],
  ["script", "apt-get install util-linux"],
  ["node", "apt-get install nodejs"],
]) {
  if (Bun.which(tool as string)) continue;
  console.error(`The off-site benchmarks need ${tool}, which is not installed: ${install}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "business-app-bench-"));
const rows: Row[] = [];
try {
  console.log(
    `Bun ${Bun.version} and Deno (deno run), ${navigator.hardwareConcurrency} cores, ${runs} runs each, sizes ${sizes.join(", ")} MB`,
  );
  const exe = buildExecutable({ target: "host", outdir: join(work, "dist") });
  const runtimes = benchRuntimes(exe);
  for (const runtime of runtimes) {
    rows.push(
      await measureStartup({
        name: `first /api/health after start, empty data folder (${runtime.name === "Bun" ? "executable" : "deno run"})`,
        command: runtime.app,
        work,
        runs,
      }),
    );
  }
  for (const count of [10, 1000, 10000]) rows.push(await measureStatusPage({ work, count, runs }));
  for (const size of sizes) {
    // The database lies in a data folder of its own, as the app keeps it.
    const database = join(work, `shop-${size}`, "business_data.db");
    const bytes = makeDatabase(database, size);
    const label = `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    console.log(`made ${label} database`);
    rows.push(...(await measureSnapshots({ database, work, runs, label, runtimes })));
    rows.push(...(await measureRestore({ database, work, runs, label, runtimes })));
    rows.push(...(await measureMemory({ database, work, runs, label, runtimes })));
    for (const runtime of runtimes)
      rows.push(...(await measureServing({ runtime, database, work, runs: Math.min(runs, 3), label })));
    rows.push(...(await measureOffsite({ database, work, runs: Math.min(runs, 3), label, runtimes })));
    rows.push(...(await measureContinuous({ database, work, label, exe })));
    rows.push(...(await measureLook({ database, work, runs, label })));
    rows.push(...(await measureContention({ database, work, runs, label })));
    for (const runtime of runtimes)
      rmSync(join(work, `restore-${runtime.name.toLowerCase()}`), { recursive: true, force: true });
    rmSync(dirname(database), { recursive: true, force: true });
  }
  console.log("");
  printTable(rows);
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ bun: Bun.version, date: new Date().toISOString(), runs, rows }, null, 2)}\n`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
