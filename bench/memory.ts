import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BenchRuntime, runChild } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

const MiB = 1024 * 1024;

/** Peak resident memory above idle during one verified backup, each run in a new process, per runtime. */
export async function measureMemory(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  runtimes: BenchRuntime[];
}) {
  const rows: Row[] = [];
  for (const runtime of options.runtimes) {
    const growth: number[] = [];
    const idle: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const { idle: before, peak } = runChild<{ idle: number; peak: number }>(
        runtime,
        "memory",
        [options.database],
        { warm: [options.database] },
      );
      idle.push(before / MiB);
      growth.push((peak - before) / MiB);
      rmSync(join(dirname(options.database), "database_backups"), { recursive: true, force: true });
    }
    rows.push(
      summarize(`${options.label}: ${runtime.name}: memory at idle (process RSS)`, "MiB", idle),
      summarize(`${options.label}: ${runtime.name}: memory growth during a backup`, "MiB", growth, 64),
    );
  }
  const sqlite = sqliteBackupPeak(options.database, options.work);
  if (sqlite !== null)
    rows.push(summarize(`${options.label}: sqlite3 .backup peak RSS (whole process)`, "MiB", [sqlite]));
  return rows;
}

/** Peak RSS of `sqlite3 .backup`, where GNU time is installed to tell it. */
function sqliteBackupPeak(database: string, work: string): number | null {
  const target = join(work, "memory-sqlite.db");
  const result = Bun.spawnSync(["/usr/bin/time", "-f", "%M", "sqlite3", database, `.backup '${target}'`]);
  rmSync(target, { force: true });
  if (result.exitCode !== 0) return null;
  const kb = Number(result.stderr.toString().trim().split("\n").at(-1));
  return Number.isFinite(kb) ? kb / 1024 : null;
}
