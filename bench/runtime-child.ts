/**
 * Run by the benchmarks under Bun and under Deno alike (no runtime's own API here): one
 * measurement of the app's engine on the runtime running it, printed as one line of JSON.
 *   snapshot-setup DATABASE WORK   the copy of DATABASE the whole verified backup is made of (untimed)
 *   snapshot DATABASE WORK   one snapshot in the worker, its quick check and its SHA-256
 *   engine DATABASE WORK     one whole verified backup of that copy, as the serving app makes it
 *   restore-setup DATABASE WORK    a copy of DATABASE and a backup of it, fully checked (untimed)
 *   restore DATABASE WORK    one restore of that backup
 *   foreign DATABASE WORK    that backup as a file the app did not make: its upload, and its restore (both rebuild it)
 *   memory DATABASE          resident memory at idle and at its peak during one verified backup
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RestoreStep } from "../src/backup/index.ts";
import { checkFileInWorker, snapshotInWorker } from "../src/backup/inspect/worker-client.ts";
import { fsyncFile, fsyncFileAsync } from "../src/lib/files/fs-sync.ts";
import { sha256File } from "../src/lib/hash.ts";
import { benchApp } from "./app.ts";
import { idleAndPeak } from "./rss.ts";
import { settle } from "./settle.ts";

const [task, database, work] = process.argv.slice(2) as [string, string, string];
const runtime = "Deno" in globalThis ? "deno" : "bun";

/** A copy of the database in a data folder of its own, flushed: set up before anything is timed. */
function copyDatabaseInto(name: string): string {
  const dir = join(work, name);
  const live = join(dir, "business_data.db");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(database, live);
  fsyncFile(live);
  return live;
}

/** The database copy the task `setup` made in the folder `name` (else an error that says so). */
function madeBy(setup: "snapshot-setup" | "restore-setup", name: string): string {
  const live = join(work, name, "business_data.db");
  if (!existsSync(live)) throw new Error(`${live} is missing: run the ${setup} task first`);
  return live;
}

async function snapshotSetup(): Promise<Record<string, number>> {
  copyDatabaseInto(`backup-${runtime}`);
  return {};
}

async function snapshot(): Promise<Record<string, number>> {
  const target = join(work, `snapshot-${runtime}.db`);
  rmSync(target, { force: true });
  let started = performance.now();
  await snapshotInWorker({ source: database, target, salvage: false });
  await fsyncFileAsync(target);
  const written = performance.now() - started;
  started = performance.now();
  await checkFileInWorker({ path: target, full: false });
  const check = performance.now() - started;
  started = performance.now();
  await sha256File(target);
  const hash = performance.now() - started;
  rmSync(target, { force: true });
  return { snapshot: written, check, hash };
}

/** One whole verified backup, as the serving app makes it, of the copy `snapshotSetup` made. */
async function engineBackup(): Promise<Record<string, number>> {
  const live = madeBy("snapshot-setup", `backup-${runtime}`);
  const { db, engine } = benchApp(dirname(live), { env: { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1" } });
  db.open();
  settle(live);
  const started = performance.now();
  await engine.createBackup({ kind: "manual" });
  const listed = performance.now() - started;
  // Then what follows it in the background (the old backup removed, the full check), untimed.
  await engine.settled();
  db.close();
  return { engine: listed };
}

const RESTORE_ENV = { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1", BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1" };

/**
 * The restores' data folder: a copy of the database and a manual backup of it, its full check
 * recorded (as after a backup in the background), all written out. Made before any runtime's
 * restore is timed: right after it the kernel and the host still write out its gigabytes (8 at
 * 4 GB), and a restore timed then would wait behind them.
 */
async function restoreSetup(): Promise<Record<string, number>> {
  const live = copyDatabaseInto(`restore-${runtime}`);
  const { db, engine } = benchApp(dirname(live), { env: RESTORE_ENV });
  db.open();
  await engine.createBackup({ kind: "manual" });
  await engine.settled();
  db.close();
  return {};
}

async function restore(): Promise<Record<string, number>> {
  const live = madeBy("restore-setup", `restore-${runtime}`);
  const dir = dirname(live);
  let marks: Partial<Record<RestoreStep | "start", number>> = {};
  const { db, engine } = benchApp(dir, {
    env: RESTORE_ENV,
    beforeRestoreStep: (step) => {
      marks[step] = performance.now();
    },
  });
  db.open();
  const backup = engine.list().find((record) => record.kind === "manual");
  if (!backup) throw new Error("the restore benchmark's backup is gone");
  // Whatever the app starts in the background on opening, done; then a settled disk with the
  // backup in the system's cache, for the restore as for `cp` below.
  await engine.settled();
  const file = join(dir, "database_backups", backup.name);
  settle(file);
  const between = (from: RestoreStep | "start", to: RestoreStep) =>
    (marks[to] as number) - (marks[from] as number);
  marks = { start: performance.now() };
  await engine.restore(backup.name);
  const end = performance.now();
  await engine.settled();
  const checks = performance.now() - end;
  db.close();
  settle(file);
  const started = performance.now();
  copyFileSync(file, live);
  fsyncFile(live);
  return {
    whole: end - (marks.start as number),
    refused: between("close", "answer"),
    choose: between("start", "copy"),
    copy: between("copy", "flush-copy"),
    flush: between("flush-copy", "close"),
    close: between("close", "keep-safety"),
    safety: between("keep-safety", "remove-wal"),
    swap: between("remove-wal", "flush-folder"),
    reopen: between("flush-folder", "answer"),
    after: end - (marks.answer as number),
    checks,
    cp: performance.now() - started,
  };
}

/**
 * The backup `restoreSetup` made, as a file the app did not make (copied in by hand, uploaded): its
 * upload (the full check, the rebuild, the full check of the rebuilt file) and its restore (the
 * rebuild beside the database instead of a copy), each timed whole.
 */
async function foreign(): Promise<Record<string, number>> {
  const dir = dirname(madeBy("restore-setup", `restore-${runtime}`));
  const { db, engine } = benchApp(dir, {
    env: { BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1" },
  });
  db.open();
  const backup = engine.list().find((record) => record.kind === "manual");
  if (!backup) throw new Error("the restore benchmark's backup is gone: it is the foreign file");
  const source = join(dir, "database_backups", backup.name);
  const temp = engine.uploadTempPath();
  copyFileSync(source, temp);
  settle(temp);
  let started = performance.now();
  const uploaded = await engine.importUpload({
    tempPath: temp,
    description: "",
    originalName: "usb.db",
    by: null,
  });
  const upload = performance.now() - started;
  const byHand = join(dir, "database_backups", "copied_in.db");
  copyFileSync(source, byHand);
  fsyncFile(byHand);
  await engine.checks.verify(["copied_in.db"]);
  settle(byHand);
  started = performance.now();
  await engine.restore("copied_in.db");
  const rebuilt = performance.now() - started;
  await engine.settled();
  db.close();
  for (const name of [uploaded.name, "copied_in.db"])
    rmSync(join(dir, "database_backups", name), { force: true });
  return { upload, rebuilt };
}

async function memory(): Promise<Record<string, number>> {
  const { engine } = benchApp(dirname(database), { connection: "none" });
  const { idle, peak } = await idleAndPeak(() => engine.createBackup({ kind: "manual" }));
  return { idle, peak };
}

const tasks: Record<string, () => Promise<Record<string, number>>> = {
  "snapshot-setup": snapshotSetup,
  snapshot,
  engine: engineBackup,
  "restore-setup": restoreSetup,
  restore,
  foreign,
  memory,
};
const run = tasks[task];
if (!run) throw new Error(`unknown task ${task}: ${Object.keys(tasks).join(", ")}`);
console.log(JSON.stringify(await run()));
process.exit(0);
