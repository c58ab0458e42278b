import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BenchRuntime, inTurn, runChild, timeCommand } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

/**
 * Snapshot of the same file, runs alternating between the contenders (their order turned each
 * run) so that caches and disk state favour none: under each runtime our snapshot alone (in the
 * worker, with its check and hash) and our whole verified backup through the engine as the
 * serving app runs it, until it is listed (old backups are removed after that, with its full
 * check, untimed); then `sqlite3 .backup`, `VACUUM INTO` in the `sqlite3` shell, and `cp` (+ flush).
 * Each starts from a settled disk with the database in the system's cache (see `settle`).
 */
export async function measureSnapshots(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  runtimes: BenchRuntime[];
}) {
  const { database, work, runs, label, runtimes } = options;
  const out = join(work, "snapshots");
  mkdirSync(out, { recursive: true });
  const samples: Record<string, number[]> = { backup: [], vacuum: [], cp: [] };
  const add = (key: string, value: number) => {
    samples[key] = [...(samples[key] ?? []), value];
  };
  const target = (name: string) => {
    const path = join(out, `${name}.db`);
    rmSync(path, { force: true });
    return path;
  };
  // The snapshot reads the database; the whole backup the copy of it, which its child reads itself.
  const child = (runtime: BenchRuntime, task: string) => () => {
    const warm = task === "snapshot" ? [database] : [];
    const result = runChild<Record<string, number>>(runtime, task, [database, out], { warm });
    for (const [key, value] of Object.entries(result)) add(`${runtime.name} ${key}`, value);
  };
  const anchors = [
    () => add("backup", timeCommand(["sqlite3", database, `.backup '${target("backup")}'`], [database])),
    () => add("vacuum", timeCommand(["sqlite3", database, `VACUUM INTO '${target("vacuum")}'`], [database])),
    () => {
      const copy = target("cp");
      add("cp", timeCommand(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "cp", database, copy], [database]));
    },
  ];
  // Each writes the database's size once, and an anchor stands between two of ours: none follows
  // twice the writes another does (a child used to take the snapshot and the whole backup, 8 GB at
  // 4 GB, and whatever came next waited behind them).
  const ours = runtimes.flatMap((runtime) => [child(runtime, "snapshot"), child(runtime, "engine")]);
  const contenders = ours.flatMap((measure, i) => [measure, ...(anchors[i] ? [anchors[i]] : [])]);
  // The copy each runtime's whole verified backup is made of, before anything is timed.
  for (const runtime of runtimes) runChild(runtime, "snapshot-setup", [database, out]);
  for (let run = 0; run < runs; run++) for (const measure of inTurn(contenders, run)) measure();
  rmSync(out, { recursive: true, force: true });
  rmSync(join(dirname(database), "database_backups"), { recursive: true, force: true });
  const anchor = summarize("", "ms", samples.backup ?? []).median;
  const row = (name: string, key: string, target?: number): Row => ({
    ...summarize(`${label}: ${name}`, "ms", samples[key] ?? [], target),
    anchor,
  });
  return [
    ...runtimes.flatMap((r) => [
      row(
        `snapshot alone, ${r.name} (${r.snapshot} in the worker, flushed)`,
        `${r.name} snapshot`,
        anchor * 1.5,
      ),
      row("  quick_check of the new file (side by side with its hash)", `${r.name} check`),
      row("  SHA-256 of the new file", `${r.name} hash`),
      row(
        `whole verified backup, ${r.name} (engine, serving: snapshot, check and hash, rename, manifest)`,
        `${r.name} engine`,
        anchor * 2,
      ),
    ]),
    row("sqlite3 .backup", "backup"),
    row("sqlite3 VACUUM INTO", "vacuum"),
    row("cp (+ flush)", "cp"),
  ];
}
