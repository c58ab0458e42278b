import { type BenchRuntime, runChild } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

/**
 * A restore of the same backup, again and again, runs alternating between the runtimes: ours
 * through the engine with the app's connection open (whole, and its parts: full check and safety
 * backup, copy, flush, swap, reopen), against `cp` of the backup over the closed database (plus a
 * flush, as ours does).
 */
export async function measureRestore(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  runtimes: BenchRuntime[];
}) {
  const samples: Record<string, number[]> = {};
  for (let run = 0; run < options.runs; run++) {
    for (const runtime of options.runtimes) {
      const result = runChild<Record<string, number>>(runtime, "restore", [options.database, options.work]);
      for (const [key, value] of Object.entries(result))
        samples[`${runtime.name} ${key}`] = [...(samples[`${runtime.name} ${key}`] ?? []), value];
    }
  }
  const anchor = summarize("", "ms", samples["Bun cp"] ?? []).median;
  const row = (name: string, key: string): Row => ({
    ...summarize(`${options.label}: ${name}`, "ms", samples[key] ?? []),
    anchor,
  });
  return [
    ...options.runtimes.flatMap((r) => [
      row(`restore, ${r.name}, whole`, `${r.name} whole`),
      row("  full check of the backup + safety backup", `${r.name} prepare`),
      row("  copy beside the database", `${r.name} copy`),
      row("  flush the copy", `${r.name} flush`),
      row("  drop -wal/-shm, rename, flush folder", `${r.name} swap`),
      row("  reopen, end sessions, remove old safety backups", `${r.name} reopen`),
    ]),
    row("cp of the backup over the closed database (+ flush)", "Bun cp"),
  ];
}
