import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, type RunningServices, startServices } from "../src/app/lifecycle.ts";
import type { App } from "../src/app.ts";
import { BackupBusyError } from "../src/backup/index.ts";
import { fsyncFile } from "../src/lib/files/fs-sync.ts";
import { benchApp } from "./app.ts";
import { timeCommand } from "./runtimes.ts";
import { settle } from "./settle.ts";
import { type Row, summarize } from "./table.ts";

/** How long the startup backup may take before the measurement gives up (a 1 GB database on a slow disk). */
const STARTUP_LIMIT_MS = 600_000;
const POLL_MS = 20;
/** A person told "busy" tries again after this long, at most this many times. */
const BUSY_RETRY_MS = 100;
const BUSY_TRIES = 3000;

/**
 * A person's operation beside the app's background work (Bun, in this process): the app started
 * as `serve` starts it (the startup backup, then its full check and the checks of backups without
 * one in the background: here a safety backup a command-line restore left unchecked), and as soon as the startup backup is listed, a restore of a backup the
 * app made and checked (as the web's restore runs it, `engine.restore`), then at once a second
 * restore (the first one's checks in the background), and one more once the app is idle; then the
 * app started again, its first manual backup, and one more once it is idle. Against `cp` of the backup over a scratch file (+ flush) and `sqlite3 .backup`.
 */
export async function measureContention(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
}) {
  const { database, work, runs, label } = options;
  const samples: Record<string, number[]> = {};
  const add = (key: string, value: number) => {
    samples[key] = [...(samples[key] ?? []), value];
  };
  const dir = join(work, "contention");
  const scratch = join(work, "contention-cp.db");
  for (let run = 0; run < runs; run++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(database, join(dir, "business_data.db"));
    fsyncFile(join(dir, "business_data.db"));
    const backup = await checkedBackup(dir);
    const backupFile = join(dir, "database_backups", backup);
    const live = join(dir, "business_data.db");
    // The anchors first: the backup goes with retention once the manual backups below are made.
    add(
      "cp",
      timeCommand(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "cp", backupFile, scratch], [backupFile]),
    );
    rmSync(scratch, { force: true });
    add("backup", timeCommand(["sqlite3", live, `.backup '${scratch}'`], [live]));
    rmSync(scratch, { force: true });

    // From a settled disk with the database and the backup in the system's cache, as the anchors.
    settle(live, backupFile);
    let { app, services } = await started(dir);
    const restore = () => app.engine.restore(backup, { by: "bench" });
    add("restore-start", await timed(restore));
    add("restore-again", await timed(restore));
    // The same on an idle app, for comparison: nothing runs in the background any more.
    await app.engine.settled();
    add("restore-idle", await timed(restore));
    await app.engine.settled();
    await services.stop();

    settle(live);
    ({ app, services } = await started(dir));
    const backUp = () => app.engine.createBackup({ kind: "manual", createdBy: "bench" });
    add("backup-start", await timed(backUp));
    await app.engine.settled();
    add("backup-idle", await timed(backUp));
    await app.engine.settled();
    await services.stop();
  }
  rmSync(dir, { recursive: true, force: true });
  const cp = summarize("", "ms", samples.cp ?? []).median;
  const dotBackup = summarize("", "ms", samples.backup ?? []).median;
  const row = (name: string, key: string, anchor: number, times?: number): Row => ({
    ...summarize(`${label}: ${name}`, "ms", samples[key] ?? [], times ? anchor * times : undefined),
    anchor,
  });
  return [
    row("restore right after start (startup backup's checks in the background)", "restore-start", cp, 2),
    row("restore right after another restore (its checks in the background)", "restore-again", cp, 2),
    row("restore on an idle app", "restore-idle", cp),
    row("cp of the backup (+ flush)", "cp", cp),
    row("first manual backup right after start", "backup-start", dotBackup, 2),
    row("manual backup on an idle app", "backup-idle", dotBackup),
    row("sqlite3 .backup", "backup", dotBackup),
  ];
}

/** Settings of the runs: few copies kept (the disk), no continuous protection (measured apart). */
const ENV = {
  BUSINESS_APP_MAX_MANUAL_BACKUPS: "2",
  BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1",
  BUSINESS_APP_MAX_STARTUP_BACKUPS: "1",
  BUSINESS_APP_CONTINUOUS_PROTECTION: "false",
};

/**
 * A manual backup of the data folder `dir`, its full check recorded, then restored by the command
 * line, which leaves its safety backup for the app to check at its next start (untimed); returns
 * the backup's name.
 */
async function checkedBackup(dir: string): Promise<string> {
  const app = benchApp(dir, { env: ENV });
  app.db.open();
  const made = await app.engine.createBackup({ kind: "manual", createdBy: "bench" });
  await app.engine.settled();
  app.db.close();
  await benchApp(dir, { env: ENV, connection: "none" }).engine.restore(made.name, { by: "bench" });
  return made.name;
}

/**
 * `operation`, timed until it succeeds: told "busy" (`BackupBusyError`), a person tries again a
 * moment later, and the time until it went through is what they waited.
 */
async function timed(operation: () => Promise<unknown>): Promise<number> {
  const begun = performance.now();
  for (let tries = 0; ; tries++) {
    try {
      await operation();
      return performance.now() - begun;
    } catch (error) {
      if (!(error instanceof BackupBusyError) || tries >= BUSY_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}

/** The app on `dir` opened and its services started as `serve` does, once its startup backup is listed. */
async function started(dir: string): Promise<{ app: App; services: RunningServices }> {
  const app = benchApp(dir, { env: ENV });
  const before = new Set(app.engine.list().map((r) => `${r.name} ${r.createdAt}`));
  const services = startServices(app, await openDatabase(app));
  const deadline = performance.now() + STARTUP_LIMIT_MS;
  while (!app.engine.list().some((r) => r.kind === "startup" && !before.has(`${r.name} ${r.createdAt}`))) {
    if (performance.now() > deadline) throw new Error("the startup backup was not made in time");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { app, services };
}
