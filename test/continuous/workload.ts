import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { MergeBackground } from "../../src/backup/continuous/upkeep/merges.ts";
import { buildPointInTime, ContinuousCapture } from "../../src/backup/index.ts";
import { openSqlite } from "../../src/db/connect.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import type { Log } from "../../src/lib/log.ts";
import type { SqlDatabase } from "../../src/runtime/types.ts";
import { seededRandom } from "../random.ts";

/**
 * A seeded workload for continuous protection: random transactions (small and large rows,
 * updates, deletes, several statements at once, VACUUM that shrinks the file, checkpoints that
 * start the log again, a second connection writing beside the app's) under an injected clock,
 * with the content recorded after each capture, and the database rebuilt at any instant.
 */

export const quietLog: Log = { info() {}, warning() {}, error() {}, path: "" };

/** The content of the workload's table, as one hash. */
export function contentOf(db: SqlDatabase): string {
  const hash = createHash("sha256");
  for (const row of db.query("SELECT id, k, v FROM t ORDER BY id").values())
    hash.update(JSON.stringify(row.map(String)));
  return hash.digest("hex");
}

export interface Workload {
  dir: string;
  backups: string;
  handle: DatabaseHandle;
  capture: ContinuousCapture;
  clock: { now: number };
  /** [moment, content after every transaction captured at or before it] in order. */
  states: [number, string][];
}

/**
 * A database in `dir` with the workload's table (made unless there) and a capture on it, with
 * an injected clock (`clock.now`, from `startAt`) and polls by hand (`pollMs` long unless given).
 */
export async function startWorkload(
  dir: string,
  options: {
    chainBytes?: number;
    mergeFanIn?: number;
    pollMs?: number;
    startAt?: number;
    /** Where the capture logs (nowhere by default). */
    log?: Log;
    readBytes?: number;
    /** Where merges run (`MergeBackground`), as beside a serving app. */
    background?: MergeBackground;
  } = {},
): Promise<Workload> {
  const backups = join(dir, "database_backups");
  mkdirSync(backups, { recursive: true });
  const handle = new DatabaseHandle(join(dir, "business_data.db"));
  handle.open();
  handle.sqlite.run("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB)");
  const clock = { now: options.startAt ?? Date.UTC(2026, 11, 6, 9, 0, 0) };
  const capture = new ContinuousCapture({
    database: handle,
    backupsDir: backups,
    log: options.log ?? quietLog,
    clock: () => new Date(clock.now),
    keepDays: () => 3650,
    pollMs: options.pollMs ?? 60_000,
    ...(options.chainBytes ? { chainBytes: options.chainBytes } : {}),
    ...(options.mergeFanIn ? { mergeFanIn: options.mergeFanIn } : {}),
    ...(options.readBytes ? { readBytes: options.readBytes } : {}),
    ...(options.background ? { background: options.background } : {}),
  });
  await capture.start();
  return { dir, backups, handle, capture, clock, states: [[clock.now, contentOf(handle.sqlite)]] };
}

function blob(random: () => number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** One random step of the workload on `db`. */
export function randomChange(db: SqlDatabase, random: () => number): void {
  const ids = () =>
    db
      .query("SELECT id FROM t")
      .values()
      .map((r) => Number(r[0]));
  const pick = (list: number[]) => list[Math.floor(random() * list.length)];
  const r = random();
  if (r < 0.35)
    db.run("INSERT INTO t (k, v) VALUES (?, ?)", [
      `k${Math.floor(random() * 1e6)}`,
      blob(random, 20 + Math.floor(random() * 200)),
    ]);
  else if (r < 0.45)
    db.run("INSERT INTO t (k, v) VALUES (?, ?)", [
      "large",
      blob(random, 5_000 + Math.floor(random() * 60_000)),
    ]);
  else if (r < 0.65) {
    const id = pick(ids());
    if (id !== undefined)
      db.run("UPDATE t SET k = ?, v = ? WHERE id = ?", [
        `u${Math.floor(random() * 1e6)}`,
        blob(random, Math.floor(random() * 3000)),
        id,
      ]);
  } else if (r < 0.8) {
    const id = pick(ids());
    if (id !== undefined) db.run("DELETE FROM t WHERE id = ?", [id]);
  } else if (r < 0.95) {
    db.transaction(() => {
      for (let i = 0; i < 1 + Math.floor(random() * 20); i++)
        db.run("INSERT INTO t (k, v) VALUES (?, ?)", [`batch${i}`, blob(random, Math.floor(random() * 500))]);
      db.run("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY random() LIMIT 2)");
    })();
  } else if (r < 0.975) db.run("DELETE FROM t WHERE k = 'large'");
  else db.run("VACUUM");
}

/**
 * Runs `steps` steps: a second apart, each captured (`tick`: with the merges and new chains that
 * come due), now and then a checkpoint, or a change by a second connection.
 */
export async function runWorkload(w: Workload, steps: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const other = openSqlite(w.handle.path, { create: false });
  try {
    for (let step = 0; step < steps; step++) {
      w.clock.now += 1000;
      const writer = random() < 0.15 ? other : w.handle.sqlite;
      randomChange(writer, random);
      if (random() < 0.3) randomChange(w.handle.sqlite, random);
      await w.capture.tick();
      if (random() < 0.15) w.capture.checkpoint();
      if (random() < 0.05) other.run("PRAGMA wal_checkpoint(PASSIVE)");
      w.states.push([w.clock.now, contentOf(w.handle.sqlite)]);
    }
  } finally {
    other.close();
  }
}

/** The content expected at `at`: after the last state recorded at or before it. */
export function expectedAt(w: Workload, at: number): string | null {
  let found: string | null = null;
  for (const [moment, content] of w.states) if (moment <= at) found = content;
  return found;
}

/** Builds the database at `at` and returns its content and integrity_check answer. */
export async function restoredAt(w: Workload, at: number): Promise<{ content: string; integrity: string }> {
  const target = join(w.dir, `restored-${at}.db`);
  await buildPointInTime(w.backups, at, target);
  const db = openSqlite(target, { readonly: true });
  try {
    const integrity = (db.query("PRAGMA integrity_check").values()[0] as unknown[])[0] as string;
    return { content: contentOf(db), integrity };
  } finally {
    db.close();
    rmSync(target, { force: true });
  }
}
