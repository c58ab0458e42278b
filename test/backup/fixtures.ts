import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AppOptions, createApp } from "../../src/app.ts";
import type { BackgroundPiece } from "../../src/backup/index.ts";
import type { DatabaseHandle } from "../../src/db/handle.ts";
import { tempDir } from "../helpers.ts";

/**
 * A data folder with an open, migrated database holding an `items` table, and the app's engine on
 * it, built as the real app builds it. Settings (retention, limits) come as environment variables.
 */
export function makeSetup(
  options: Omit<AppOptions, "connection" | "echo"> & { env?: Record<string, string> } = {},
) {
  const dataDir = tempDir("business-app-engine-");
  const { env, ...appOptions } = options;
  const app = createApp(
    { flags: { data_dir: dataDir }, env: env ?? {}, appDir: dataDir, cwd: dataDir },
    { ...appOptions, echo: null },
  );
  const { paths, db, engine, log } = app;
  mkdirSync(paths.backupsDir, { recursive: true });
  db.open();
  db.sqlite.run(
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, remote_id TEXT, payload BLOB)",
  );
  return { app, paths, db, engine, log, readLog: () => Bun.file(paths.log).text() };
}

export function addItems(db: DatabaseHandle, names: string[]): void {
  const insert = db.sqlite.prepare("INSERT INTO items (name, remote_id) VALUES (?, ?)");
  db.sqlite.transaction(() => {
    for (const name of names) insert.run(name, `r-${name}`);
  })();
}

export function itemNames(path: string | DatabaseHandle): string[] {
  if (typeof path !== "string") {
    return path.sqlite
      .query<{ name: string }, []>("SELECT name FROM items ORDER BY id")
      .all()
      .map((r) => r.name);
  }
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ name: string }, []>("SELECT name FROM items ORDER BY id")
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

/** Runs the `sqlite3` shell read-only on a file and returns what it printed. */
export function sqliteShell(path: string, sql: string): string {
  const result = Bun.spawnSync(["sqlite3", "-readonly", path, sql]);
  if (result.exitCode !== 0) throw new Error(`sqlite3 failed: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

/** A clock that starts at `start` and moves only when told. */
/** Records in `alerts.json`, as the serving app does, that the last automatic backup failed at `at`. */
export function recordFailedAutomaticBackup(backupsDir: string, at: Date): void {
  const lastAutomaticRun = { at: at.toISOString(), ok: false, message: "the disk is full" };
  const alerts = { version: 1, watchingSince: null, lastAutomaticRun, lastManualRun: null, active: {} };
  writeFileSync(join(backupsDir, "alerts.json"), JSON.stringify(alerts));
}

export function manualClock(start: Date) {
  let now = start.getTime();
  const clock = () => new Date(now);
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
  });
}

/**
 * A hold for background work of `kinds` (the checks of backups): while `holding`, each piece, once
 * its work is done, waits before it records for a promise the test settles (`release`);
 * `reached(n)` resolves when n pieces have been held.
 */
export function checkHold(kinds: BackgroundPiece["kind"][] = ["backup-check"]) {
  const held: { piece: BackgroundPiece; release: () => void }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const state = { holding: true };
  const hold = (piece: BackgroundPiece): Promise<void> => {
    if (!state.holding || !kinds.includes(piece.kind)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      held.push({ piece, release: resolve });
      for (const w of waiters.filter((w) => held.length >= w.count)) w.resolve();
    });
  };
  const reached = (count: number) =>
    held.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { hold, held, reached, state };
}

/**
 * The row of `index` taken out of the schema, `update` run, the row put back as it was (through
 * the sqlite3 shell, which allows `writable_schema`): the schema reads as before, the index no
 * longer matches its table.
 */
export function putOutOfStep(path: string, index: string, update: string): void {
  const run = Bun.spawnSync([
    "sqlite3",
    path,
    `PRAGMA writable_schema = ON;
     CREATE TEMP TABLE saved AS SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema WHERE name = '${index}';
     DELETE FROM sqlite_schema WHERE name = '${index}';
     PRAGMA writable_schema = RESET;
     ${update};
     PRAGMA writable_schema = ON;
     INSERT INTO sqlite_schema SELECT * FROM temp.saved;
     PRAGMA writable_schema = RESET;`,
  ]);
  if (run.exitCode !== 0) throw new Error(`sqlite3 failed: ${run.stderr.toString()}`);
}
