import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RestoreStep } from "../src/backup/swap.ts";
import { fsyncFile } from "../src/lib/fs-sync.ts";
import { benchApp } from "./app.ts";
import { type Row, summarize } from "./table.ts";

/**
 * A restore of the same backup, again and again: ours through the engine with the app's
 * connection open — whole (until it resolves, the app answering again), the time requests are
 * refused (from closing the database to its reopening), and each step — against `cp` of the
 * backup over the closed database (plus a flush, as ours does). The checks that follow a restore
 * in the background are timed apart.
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
  // Its full check, in the background after a backup: a restore then needs no second one.
  await engine.settled();
  const keys = [
    "whole",
    "refused",
    "choose",
    "copy",
    "flush",
    "close",
    "safety",
    "swap",
    "reopen",
    "after",
    "checks",
    "cp",
  ];
  const samples: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const between = (from: RestoreStep | "start", to: RestoreStep) =>
    (marks[to] as number) - (marks[from] as number);
  for (let run = 0; run < options.runs; run++) {
    marks = { start: performance.now() };
    await engine.restore(backup.name);
    const end = performance.now();
    await engine.settled();
    samples.checks?.push(performance.now() - end);
    samples.whole?.push(end - (marks.start as number));
    samples.refused?.push(between("close", "answer"));
    samples.choose?.push(between("start", "copy"));
    samples.copy?.push(between("copy", "flush-copy"));
    samples.flush?.push(between("flush-copy", "close"));
    samples.close?.push(between("close", "keep-safety"));
    samples.safety?.push(between("keep-safety", "remove-wal"));
    samples.swap?.push(between("remove-wal", "flush-folder"));
    samples.reopen?.push(between("flush-folder", "answer"));
    samples.after?.push(end - (marks.answer as number));

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
  const row = (name: string, key: string, times?: number): Row => ({
    ...summarize(`${options.label}: ${name}`, "ms", samples[key] ?? [], times ? anchor * times : undefined),
    anchor,
  });
  return [
    row("restore, ours, whole (until the app answers again)", "whole", 4),
    row("  requests refused (database closed until reopened)", "refused", 2),
    row("  full check recorded? (else the full check now)", "choose"),
    row("  copy beside the database (the file system's copy, in the worker)", "copy"),
    row("  hash the copy while it is flushed", "flush"),
    row("  close the database (last checkpoint)", "close"),
    row("  keep the replaced database as the safety backup (link)", "safety"),
    row("  drop -wal/-shm, rename, flush folder", "swap"),
    row("  reopen, migrations, end sessions", "reopen"),
    row("  the safety backup named and listed, bookkeeping", "after"),
    row("after it: old safety backups removed, checks, in the background", "checks"),
    row("cp of the backup over the closed database (+ flush)", "cp"),
  ];
}
