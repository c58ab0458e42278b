import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RestoreStep } from "../src/backup/swap.ts";
import { fsyncFile } from "../src/lib/fs-sync.ts";
import { benchApp } from "./app.ts";
import { type Row, summarize } from "./table.ts";

/**
 * A restore of the same backup, again and again: ours through the engine with the app's
 * connection open (whole, and its parts: full check and safety backup, copy, flush, swap,
 * reopen), against `cp` of the backup over the closed database (plus a flush, as ours does).
 */
export async function measureRestore(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
}) {
  const dir = join(options.work, "restore");
  mkdirSync(dir, { recursive: true });
  const live = join(dir, "business_data.db");
  copyFileSync(options.database, live);
  let marks: Partial<Record<RestoreStep | "start", number>> = {};
  const { db, engine } = benchApp(dir, {
    env: { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1", BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1" },
    beforeRestoreStep: (step) => {
      marks[step] = performance.now();
    },
  });
  db.open();
  const backup = await engine.createBackup({ kind: "manual" });
  const samples: Record<string, number[]> = {
    whole: [],
    prepare: [],
    copy: [],
    flush: [],
    swap: [],
    reopen: [],
    cp: [],
  };
  for (let run = 0; run < options.runs; run++) {
    marks = { start: performance.now() };
    await engine.restore(backup.name);
    const end = performance.now();
    const m = marks as Record<RestoreStep | "start", number>;
    samples.whole?.push(end - m.start);
    samples.prepare?.push(m.copy - m.start);
    samples.copy?.push(m["flush-copy"] - m.copy);
    samples.flush?.push(m["remove-wal"] - m["flush-copy"]);
    samples.swap?.push(m["flush-folder"] - m["remove-wal"]);
    samples.reopen?.push(end - m["flush-folder"]);

    db.close();
    const started = performance.now();
    copyFileSync(join(dir, "database_backups", backup.name), live);
    fsyncFile(live);
    samples.cp?.push(performance.now() - started);
    db.open();
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const anchor = summarize("", "ms", samples.cp ?? []).median;
  const row = (name: string, key: string): Row => ({
    ...summarize(`${options.label}: ${name}`, "ms", samples[key] ?? []),
    anchor,
  });
  return [
    row("restore, ours, whole", "whole"),
    row("  full check of the backup + safety backup", "prepare"),
    row("  copy beside the database", "copy"),
    row("  flush the copy", "flush"),
    row("  drop -wal/-shm, rename, flush folder", "swap"),
    row("  reopen, end sessions, remove old safety backups", "reopen"),
    row("cp of the backup over the closed database (+ flush)", "cp"),
  ];
}
