import { type BenchRuntime, runChild } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

/**
 * A restore of the same backup, again and again, runs alternating between the runtimes: ours
 * through the engine with the app's connection open — whole (until it resolves, the app
 * answering again), the time requests are refused (from closing the database to its reopening),
 * and each step — against `cp` of the backup over the closed database (plus a flush, as ours
 * does). The checks that follow a restore in the background are timed apart. The same backup as
 * a file the app did not make is then uploaded and restored: both rebuild it (`rebuild.ts`).
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
      for (const task of ["restore", "foreign"]) {
        const result = runChild<Record<string, number>>(runtime, task, [options.database, options.work]);
        for (const [key, value] of Object.entries(result))
          samples[`${runtime.name} ${key}`] = [...(samples[`${runtime.name} ${key}`] ?? []), value];
      }
    }
  }
  const anchor = summarize("", "ms", samples["Bun cp"] ?? []).median;
  const rows = options.runtimes.flatMap((r) => {
    const row = (name: string, key: string, times?: number): Row => ({
      ...summarize(
        `${options.label}: ${name}`,
        "ms",
        samples[`${r.name} ${key}`] ?? [],
        times ? anchor * times : undefined,
      ),
      anchor,
    });
    return [
      row(`restore, ${r.name}, whole (until the app answers again)`, "whole", 4),
      row("  requests refused (database closed until reopened)", "refused", 2),
      row("  full check recorded? (else the full check now)", "choose"),
      row("  copy beside the database (the file system's copy, in the worker)", "copy"),
      row("  the copy's SHA-256 against the checked one, beside its flush", "flush"),
      row("  close the database (last checkpoint)", "close"),
      row("  keep the replaced database as the safety backup (link)", "safety"),
      row("  drop -wal/-shm, rename, flush folder", "swap"),
      row("  reopen, migrations, end sessions", "reopen"),
      row("  the safety backup named and listed (the app answers meanwhile)", "after"),
      row("checks after the restore, in the background", "checks"),
      row(
        `restore of a file the app did not make, ${r.name}, whole (rebuilt beside the database)`,
        "rebuilt",
      ),
      row(`upload of that file, ${r.name} (full check, rebuild, full check of the rebuilt file)`, "upload"),
    ];
  });
  const cp = summarize(
    `${options.label}: cp of the backup over the closed database (+ flush)`,
    "ms",
    samples["Bun cp"] ?? [],
  );
  return [...rows, { ...cp, anchor }];
}
