/**
 * `npm run bench`: measures the app and prints a table with each figure, its ratio to the
 * anchor (`sqlite3 .backup` for snapshots) and its target. Never part of `npm test`.
 *   --sizes 256,1024   database sizes in MB (default 256 and 1024); a size the disk lacks room for is skipped
 *   --runs N           repetitions of each measurement (default 5, at most 2 from 2048 MB; median, min and max are shown)
 *   --json FILE        also write the figures as JSON (bench/growth.ts makes a table of sizes from it)
 *   --only a,b         only these measurements (the names of MEASUREMENTS below), e.g. --only look
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildExecutable } from "../build.ts";
import { measureContention } from "./contention.ts";
import { measureContinuous } from "./continuous.ts";
import { measureLook } from "./look.ts";
import { makeDatabase } from "./make-db.ts";
import { measureMemory } from "./memory.ts";
import { measureOffsite } from "./offsite.ts";
import {
  freeBytes,
  gigabytes,
  LARGE_MB,
  LARGE_RUNS,
  type Measured,
  type Measurement,
  roomNeeded,
  runsAt,
} from "./plan.ts";
import { measureStatusPage } from "./render.ts";
import { measureOfflineRestore, measureRestore } from "./restore.ts";
import { benchRuntimes } from "./runtimes.ts";
import { measureServing } from "./serving.ts";
import { quickest, quietDisk } from "./settle.ts";
import { measureSnapshots } from "./snapshot.ts";
import { measureStartup } from "./startup.ts";
import { printTable, type Row } from "./table.ts";

const SQLITE3: [string, string] = ["sqlite3", "apt-get install sqlite3"];
const AGE: [string, string] = ["age", "apt-get install age"];
const SCRIPT: [string, string] = ["script", "apt-get install util-linux"];
const NODE: [string, string] = ["node", "apt-get install nodejs"];

/**
 * Every measurement by its name for `--only`, in the order a whole run takes them; each takes a
 * `Measured` and returns its rows. To add one: a line here (see `Measurement` in plan.ts).
 */
const MEASUREMENTS: Record<string, Measurement> = {
  startup: {
    exe: true,
    run: (m) => eachRuntime(m, (runtime) => measureStartup({ ...m, ...startup(runtime) })),
  },
  status: {
    run: async (m) => {
      const rows: Row[] = [];
      for (const count of [10, 1000, 10000]) {
        rows.push(await measureStatusPage({ ...m, count }));
        rows.push(await measureStatusPage({ ...m, count, afterChange: true }));
      }
      return rows;
    },
  },
  snapshot: { room: 9, exe: true, tools: [SQLITE3], run: measureSnapshots },
  restore: { room: 12, exe: true, run: measureRestore },
  contention: { room: 8, tools: [SQLITE3], run: measureContention },
  offline: { room: 5, exe: true, tools: [SCRIPT], run: measureOfflineRestore },
  memory: { room: 2, exe: true, tools: [SQLITE3], run: measureMemory },
  serving: {
    room: 3,
    exe: true,
    run: (m) => eachRuntime(m, (runtime) => measureServing({ ...m, runtime, runs: Math.min(m.runs, 3) })),
  },
  offsite: {
    room: 6,
    // Its pause rows: one copy in two paused Deno's thread 160–250 ms at 4 GB and the other 5–10 ms.
    largeRuns: 3,
    exe: true,
    tools: [AGE, SCRIPT, NODE],
    run: (m) => measureOffsite({ ...m, runs: Math.min(m.runs, 3) }),
  },
  continuous: { room: 7, exe: true, tools: [NODE], run: measureContinuous },
  look: { room: 3, run: measureLook },
};

/** Runs `measure` under each runtime in turn (never two at once: they would share the cores). */
async function eachRuntime(
  m: Measured,
  measure: (runtime: Measured["runtimes"][number]) => Promise<Row | Row[]>,
) {
  const rows: Row[] = [];
  for (const runtime of m.runtimes) rows.push(...[await measure(runtime)].flat());
  return rows;
}

const startup = (runtime: Measured["runtimes"][number]) => ({
  name: `first /api/health after start, empty data folder (${runtime.name === "Bun" ? "executable" : "deno run"})`,
  command: runtime.app,
});

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
const names =
  values.only === undefined ? Object.keys(MEASUREMENTS) : values.only.split(",").map((n) => n.trim());
const unknown = names.filter((name) => !Object.hasOwn(MEASUREMENTS, name));
if (unknown.length > 0 || names.length === 0) {
  console.error(
    `--only takes a list of: ${Object.keys(MEASUREMENTS).join(", ")} (not ${unknown.join(", ")})`,
  );
  process.exit(2);
}
const chosen = Object.entries(MEASUREMENTS).filter(([name]) => names.includes(name));
for (const [tool, install] of new Map(chosen.flatMap(([, m]) => m.tools ?? []))) {
  if (Bun.which(tool)) continue;
  console.error(`The benchmarks need ${tool}, which is not installed: ${install}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "business-app-bench-"));
const rows: Row[] = [];
const failed: string[] = [];
const skipped: { megabytes: number; needed: number; free: number }[] = [];
/** Seconds each measurement took at each size, to tell how long a larger run will take. */
const seconds: Record<string, number> = {};
try {
  const needsExe = chosen.some(([, m]) => m.exe);
  console.log(
    `Bun ${Bun.version}${needsExe ? " and Deno (deno run)" : ""}, ${navigator.hardwareConcurrency} cores, ${runs} runs each (at most ${LARGE_RUNS} from ${LARGE_MB} MB), sizes ${sizes.join(", ")} MB`,
  );
  // The disk's quiet speed, before anything is written: each measurement waits for it (`settle`).
  quietDisk();
  console.log(
    `a quiet disk writes and flushes 64 MiB in ${quickest(64).toFixed(0)} ms, 256 MiB in ${quickest(256).toFixed(0)} ms`,
  );
  const exe = needsExe ? buildExecutable({ target: "host", outdir: join(work, "dist") }) : "";
  const base = { runs, runtimes: needsExe ? benchRuntimes(exe) : [], exe };
  const measure = async (name: string, m: Measurement, at: Omit<Measured, "work" | "exe" | "runtimes">) => {
    const scratch = join(work, `${name}-work`);
    mkdirSync(scratch, { recursive: true });
    const started = performance.now();
    const key = `${name}${at.label ? ` ${at.label}` : ""}`;
    try {
      rows.push(...(await m.run({ ...base, ...at, work: scratch })));
    } catch (error) {
      // An hour's run keeps what the others measured; the run still fails at its end.
      console.error(`${key} failed: ${error instanceof Error ? error.message : String(error)}`);
      failed.push(key);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    seconds[key] = Math.round((performance.now() - started) / 1000);
    console.log(`${key}: ${seconds[key]} s`);
  };
  for (const [name, m] of chosen)
    if (m.room === undefined) await measure(name, m, { database: "", label: "", runs });
  const perSize = chosen.filter(([, m]) => m.room !== undefined);
  for (const size of perSize.length > 0 ? sizes : []) {
    const { bytes: needed, why } = roomNeeded(size, perSize);
    const free = freeBytes(work);
    if (free < needed) {
      console.log(
        `${size} MB skipped: it needs about ${gigabytes(needed)} free in ${tmpdir()} (${why}); it has ${gigabytes(free)}`,
      );
      skipped.push({ megabytes: size, needed, free });
      continue;
    }
    // The database lies in a data folder of its own, as the app keeps it.
    const database = join(work, `shop-${size}`, "business_data.db");
    const started = performance.now();
    const label = `${(makeDatabase(database, size) / 1024 / 1024).toFixed(0)} MB`;
    seconds[`database ${label}`] = Math.round((performance.now() - started) / 1000);
    console.log(`made ${label} database in ${seconds[`database ${label}`]} s`);
    for (const [name, m] of perSize)
      await measure(name, m, { database, label, runs: runsAt(size, runs, m.largeRuns) });
    rmSync(join(work, `shop-${size}`), { recursive: true, force: true });
  }
  console.log("");
  if (rows.length > 0) printTable(rows);
  else console.log("Nothing was measured.");
  if (values.json) {
    const figures = {
      bun: Bun.version,
      date: new Date().toISOString(),
      runs,
      rows,
      skipped,
      failed,
      seconds,
    };
    writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed.length > 0) {
  console.error(`Failed: ${failed.join(", ")}`);
  process.exit(1);
}
