import { immutableUri } from "#runtime/sqlite.ts";
import { openSqlite } from "../../db/connect.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { type CheckResult, countedTables, openBackupFile } from "../inspect/checks.ts";
import { checkAppSchema } from "../inspect/trust.ts";
import { countDifference, type DiffRequest, readDiffPage } from "./diff.ts";
import { fileKeyOf, sameFile } from "./file-key.ts";
import { type RowsRequest, readRowsPage } from "./rows.ts";
import { readShapes, shapeOf, type TableShape, tableRef } from "./tables.ts";

/**
 * The reading side of looking inside a backup, as tasks of the backup worker (`lookInWorker`):
 * each opens its own connections — the backup `immutable` (read-only, no lock, `trusted_schema`
 * off), the live database through a read-only connection of its own (a WAL reader: writers never
 * wait for it) — and makes sure the file is still the one the trust rule judged.
 */
export type LookTask =
  | { kind: "judge"; path: string }
  | { kind: "uncounted"; path: string; fileKey: string }
  | { kind: "uncounted-now"; live: string }
  | { kind: "rows"; path: string; fileKey: string; table: string; request: RowsRequest }
  | { kind: "diff"; path: string; fileKey: string; live: string; table: string; request: DiffRequest }
  | { kind: "diff-counts"; path: string; fileKey: string; live: string; table: string };

/** What the trust rule said of a file and, when it passed, its tables' shapes. */
export interface Judged {
  check: CheckResult;
  fileKey: string;
  shapes: TableShape[];
}

export function runLookTask(task: LookTask): unknown {
  switch (task.kind) {
    case "judge":
      return judge(task.path);
    case "uncounted":
      return withBackup(task, (db) => uncountedRows(db));
    case "uncounted-now":
      return withLive(task.live, (live) => uncountedRows(live));
    case "rows":
      return withBackup(task, (db) => readRowsPage(db, shapeOf(readShapes(db), task.table), task.request));
    case "diff":
      return withPair(task, (db) =>
        readDiffPage(db, shapeOf(readShapes(db, "bk"), task.table), task.request),
      );
    case "diff-counts":
      return withPair(task, (db) => countDifference(db, shapeOf(readShapes(db, "bk"), task.table)));
  }
}

/** The trust rule (shape and schema, no integrity check: it is cheap), then the tables' shapes. */
function judge(path: string): Judged {
  const fileKey = fileKeyOf(path);
  const check = checkAppSchema(path);
  if (!check.ok) return { check, fileKey, shapes: [] };
  const db = openBackupFile(path);
  try {
    return { check, fileKey, shapes: readShapes(db) };
  } finally {
    db.close();
  }
}

/** Runs `read` on the backup opened immutable, once it is proven the file that was judged. */
function withBackup<T>(task: { path: string; fileKey: string }, read: (db: SqlDatabase) => T): T {
  const db = openJudgedBackup(task);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The backup opened immutable, proven the file that was judged (else `look.changed`). */
export function openJudgedBackup(task: { path: string; fileKey: string }): SqlDatabase {
  const db = openBackupFile(task.path);
  try {
    sameFile(task);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Runs `read` on a read-only connection to the live database. */
function withLive<T>(live: string, read: (db: SqlDatabase) => T): T {
  const db = openSqlite(live, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function withPair<T>(task: { path: string; fileKey: string; live: string }, read: (db: SqlDatabase) => T): T {
  const db = openPair(task);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * A read-only connection to the live database (`main`) with the judged backup attached
 * immutable as `bk`, inside one read transaction: both sides stay as they were while a walk looks
 * at them, and in WAL mode the app's writes go on meanwhile.
 */
export function openPair(task: { path: string; fileKey: string; live: string }): SqlDatabase {
  const db = openSqlite(task.live, { readonly: true });
  try {
    db.run("ATTACH DATABASE ? AS bk", [immutableUri(task.path)]);
    sameFile(task);
    db.run("BEGIN");
    // A read transaction starts at its first read: this one, before anything is compared.
    db.query("SELECT count(*) FROM main.sqlite_schema").values();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Rows of the bookkeeping tables `countRowsIn` leaves out (migrations, identity, SQLite's counters). */
function uncountedRows(db: SqlDatabase, schema = "main"): Record<string, number> {
  const counted = new Set(countedTables(db));
  const counts: Record<string, number> = {};
  for (const shape of readShapes(db, schema)) {
    if (counted.has(shape.name)) continue;
    const rows = db.query(`SELECT count(*) FROM ${tableRef(schema, shape.name)}`).values();
    counts[shape.name] = Number(rows[0]?.[0] ?? 0);
  }
  return counts;
}
