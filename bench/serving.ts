import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type BenchRuntime, warmRuntime } from "./runtimes.ts";
import { settle } from "./settle.ts";
import { type Row, summarize } from "./table.ts";

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/** Commits small transactions as fast as it can until SIGTERM, then prints its longest commit. */
const WRITER = `
import { Database } from "bun:sqlite";
const db = new Database(process.argv[2]);
// The same settings as the app's own connection.
db.run("PRAGMA busy_timeout = 10000");
db.run("PRAGMA journal_mode = WAL");
db.run("PRAGMA synchronous = NORMAL");
// While a backup runs the app's own connection takes no automatic checkpoint (see
// DatabaseHandle.pauseCheckpoints); this writer only runs during the backup, so it does the same.
db.run("PRAGMA wal_autocheckpoint = 0");
db.run("CREATE TABLE IF NOT EXISTS bench_writes (id INTEGER PRIMARY KEY, at INTEGER, note TEXT)");
const insert = db.prepare("INSERT INTO bench_writes (at, note) VALUES (?, 'small write')");
let longest = 0, count = 0, stop = false;
process.on("SIGTERM", () => { stop = true; });
console.log("ready");
while (!stop) {
  const t = performance.now();
  insert.run(Date.now());
  longest = Math.max(longest, performance.now() - t);
  count++;
  await Bun.sleep(1);
}
console.log(JSON.stringify({ longest, count }));
`;

async function waitForHealth(url: string, since: number): Promise<void> {
  while (true) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      await Bun.sleep(1);
    }
    if (performance.now() - since > 60_000) throw new Error("the app did not answer within 60 s");
  }
}

/**
 * Starts the real app (the executable, or `deno run`) on a copy of the database with the startup backup on,
 * and measures from other processes: the time to the first answer, then `GET /api/health`
 * latency and the longest commit of a concurrent writer while the startup backup runs and until
 * continuous protection, which starts after it, has its chain.
 */
export async function measureServing(options: {
  runtime: BenchRuntime;
  database: string;
  work: string;
  runs: number;
  label: string;
}): Promise<Row[]> {
  const first: number[] = [];
  const latencies: number[] = [];
  const worst: number[] = [];
  const stalls: number[] = [];
  const writerFile = join(options.work, "writer.ts");
  await Bun.write(writerFile, WRITER);
  for (let run = 0; run < options.runs; run++) {
    const dir = join(options.work, `serve-${run}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(options.database, join(dir, "business_data.db"));
    // A database the app opens is not hundreds of megabytes waiting to be written: the first
    // checkpoint's flush would write out this copy.
    settle(join(dir, "business_data.db"));
    warmRuntime(options.runtime.app);
    const port = freePort();
    const url = `http://127.0.0.1:${port}/api/health`;
    const started = performance.now();
    const app = Bun.spawn([...options.runtime.app, "--port", String(port), "--data-dir", dir], {
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitForHealth(url, started);
    first.push(performance.now() - started);

    const writer = Bun.spawn([process.execPath, writerFile, join(dir, "business_data.db")], {
      stdout: "pipe",
    });
    const output = new Response(writer.stdout).text();
    const log = join(dir, "database_backups", "backup.log");
    const runLatencies: number[] = [];
    // Two minutes, and one more per GB: at 4 GB the base alone is a copy of 4 GB.
    const deadline =
      performance.now() + 120_000 + (statSync(options.database).size / 1000 / 1000 / 1000) * 60_000;
    // Until the startup backup is made and continuous protection (which starts after it, reading
    // the log the writer grew meanwhile and copying its base) has its chain.
    const done = () => {
      const text = readFileSync(log, "utf8");
      return (
        text.includes("Database backup created: startup_backup.db") &&
        /Continuous protection (started a new chain|continues the chain)/.test(text)
      );
    };
    while (!done()) {
      const t = performance.now();
      await fetch(url);
      runLatencies.push(performance.now() - t);
      if (performance.now() > deadline)
        throw new Error("the startup backup and continuous protection's start did not finish in time");
    }
    writer.kill("SIGTERM");
    const lines = (await output).trim().split("\n");
    stalls.push((JSON.parse(lines.at(-1) ?? "{}") as { longest: number }).longest);
    latencies.push(...runLatencies);
    worst.push(Math.max(...runLatencies));
    app.kill("SIGTERM");
    await app.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const l = `${options.label}: ${options.runtime.name}`;
  return [
    summarize(`${l}: first answer after start (startup backup on)`, "ms", first, 300),
    {
      name: `${l}: /api/health p50 during the startup backup`,
      unit: "ms",
      median: pct(50),
      min: sorted[0] ?? 0,
      max: pct(50),
    },
    {
      name: `${l}: /api/health p99 during the startup backup`,
      unit: "ms",
      median: pct(99),
      min: pct(99),
      max: pct(99),
      target: 20,
    },
    summarize(`${l}: /api/health slowest answer during the startup backup`, "ms", worst, 100),
    summarize(`${l}: longest commit of a concurrent writer during the backup`, "ms", stalls, 100),
  ];
}
