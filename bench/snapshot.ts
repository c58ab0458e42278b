import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkFileInWorker, snapshotInWorker } from "../src/backup/worker-client.ts";
import { fsyncFile } from "../src/lib/fs-sync.ts";
import { sha256File } from "../src/lib/hash.ts";
import { benchApp } from "./app.ts";
import { type Row, summarize } from "./table.ts";

function timeCommand(argv: string[]): number {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  return performance.now() - started;
}

/**
 * Snapshot of the same file, runs alternating between the contenders so that caches and disk
 * state favour none: our snapshot alone (VACUUM INTO in the worker, with its check and hash),
 * our whole verified backup through the engine, `sqlite3 .backup`, `VACUUM INTO` in the
 * `sqlite3` shell, and `cp`.
 */
export async function measureSnapshots(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
}) {
  const { database, work, runs, label } = options;
  const out = join(work, "snapshots");
  mkdirSync(out, { recursive: true });
  // The app's data folder is the database's own folder, as in a real installation.
  const app = benchApp(dirname(database), {
    connection: "none",
    env: { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1" },
  });
  const { engine } = app;
  const backupsDir = app.paths.backupsDir;
  const samples: Record<string, number[]> = {
    snapshot: [],
    check: [],
    hash: [],
    engine: [],
    backup: [],
    vacuum: [],
    cp: [],
  };
  for (let run = 0; run < runs; run++) {
    const target = (name: string) => {
      const path = join(out, `${name}.db`);
      rmSync(path, { force: true });
      return path;
    };
    const written = target("worker");
    let started = performance.now();
    await snapshotInWorker({ source: database, target: written, salvage: false });
    fsyncFile(written);
    samples.snapshot?.push(performance.now() - started);
    started = performance.now();
    await checkFileInWorker({ path: written, full: false });
    samples.check?.push(performance.now() - started);
    started = performance.now();
    await sha256File(written);
    samples.hash?.push(performance.now() - started);
    started = performance.now();
    await engine.createBackup({ kind: "manual" });
    samples.engine?.push(performance.now() - started);
    samples.backup?.push(timeCommand(["sqlite3", database, `.backup '${target("backup")}'`]));
    samples.vacuum?.push(timeCommand(["sqlite3", database, `VACUUM INTO '${target("vacuum")}'`]));
    samples.cp?.push(timeCommand(["cp", database, target("cp")]));
  }
  rmSync(out, { recursive: true, force: true });
  if (existsSync(backupsDir)) rmSync(backupsDir, { recursive: true, force: true });
  const anchor = summarize("", "ms", samples.backup ?? []).median;
  const row = (name: string, key: string, target?: number): Row => ({
    ...summarize(`${label}: ${name}`, "ms", samples[key] ?? [], target),
    anchor,
  });
  return [
    row("snapshot alone, ours (VACUUM INTO in the worker, flushed)", "snapshot", anchor * 1.5),
    row("  quick_check of the new file (side by side with its hash)", "check"),
    row("  SHA-256 of the new file", "hash"),
    row(
      "whole verified backup, ours (engine: snapshot, check and hash, rename, manifest)",
      "engine",
      anchor * 2,
    ),
    row("sqlite3 .backup", "backup"),
    row("sqlite3 VACUUM INTO", "vacuum"),
    row("cp", "cp"),
  ];
}
