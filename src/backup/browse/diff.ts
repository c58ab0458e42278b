import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import { foldName, quoteName } from "../inspect/schema-shape.ts";
import { noKeyRefused } from "./errors.ts";
import { PAGE_BUDGET, pageSize, type ScanBudget } from "./rows.ts";
import { afterKey, columnList, findShape, readShapes, type TableShape, tableRef } from "./tables.ts";
import { decodeCursor, encodeCursor, shown } from "./values.ts";

/** Which rows of a difference: in the backup only, now only, or in both with other values. */
export type DiffSide = "deleted" | "added" | "changed";
export const DIFF_SIDES: readonly DiffSide[] = ["deleted", "added", "changed"];

export interface DiffRow {
  /** The key as a page shows it (see `shown`: beyond 2^53 an integer's digits, as text). */
  key: unknown[];
  /**
   * The key's values as stored (integers as bigint, exact): what names the row again, for
   * putting it back. Not JSON (bigint); `key` is what is shown.
   */
  exactKey: SqlValue[];
  backup: unknown[] | null;
  now: unknown[] | null;
}

export interface DiffPage {
  columns: string[];
  rows: DiffRow[];
  /** Where the walk goes on; null at the end of both tables. */
  next: string | null;
}

export interface DiffCounts {
  deleted: number;
  added: number;
  changed: number;
}

export interface DiffRequest {
  side: DiffSide;
  after?: string | undefined;
  limit?: number | undefined;
  /** Values whole (a CSV export): text not cut, integers as bigint (see `shown`). */
  whole?: boolean;
}

/** Keys of each table looked at per step of a page's walk; the budget is checked between steps. */
const DIFF_CHUNK = 2_000;

/**
 * The backup's table (attached as `bk`) and today's (in `main`, the live database) matched by
 * the backup's primary key. Today's table may be missing (then every row was deleted); when there
 * it must have the same key. Values are compared over the columns both have, by SQLite's `IS`;
 * today's rows are shown in the backup's columns (NULL for one that is gone).
 */
export class Pairing {
  readonly key: string[];
  readonly columns: string[];
  readonly backup: string;
  readonly live: string | null;
  /** Today's value of each of the backup's columns, as expressions on `n`. */
  readonly nowColumns: string;
  /** True when a row of the backup (`b`) and today's (`n`) with the same key differ. */
  readonly differ: string;
  /** `n.k = b.k AND …` */
  readonly sameKey: string;

  constructor(db: SqlDatabase, backup: TableShape) {
    if (!backup.key) throw noKeyRefused(backup.name);
    const live = findShape(readShapes(db, "main"), backup.name) ?? null;
    if (live && (live.key ?? []).map(foldName).join("\0") !== backup.key.map(foldName).join("\0"))
      throw noKeyRefused(backup.name, "its primary key is not the same now as in the backup");
    this.key = backup.key;
    this.columns = backup.columns;
    this.backup = tableRef("bk", backup.name);
    this.live = live ? tableRef("main", live.name) : null;
    const present = new Set(live?.columns.map(foldName) ?? []);
    const keyNames = new Set(backup.key.map(foldName));
    this.nowColumns = backup.columns
      .map((c) => (present.has(foldName(c)) ? `n.${quoteName(c)}` : "NULL"))
      .join(", ");
    const compared = backup.columns.filter((c) => present.has(foldName(c)) && !keyNames.has(foldName(c)));
    this.differ =
      compared.length === 0
        ? "0"
        : `NOT (${compared.map((c) => `b.${quoteName(c)} IS n.${quoteName(c)}`).join(" AND ")})`;
    this.sameKey = backup.key.map((c) => `n.${quoteName(c)} = b.${quoteName(c)}`).join(" AND ");
  }

  /** Rows whose key holds NULL (an old-style table allows it) match nothing and are left out. */
  keyPresent(alias: string): string {
    return this.key.map((c) => `${alias}.${quoteName(c)} IS NOT NULL`).join(" AND ");
  }

  /** `… AND (k) > (lo) AND (k) <= (hi)`, with the values to bind. */
  range(alias: string, lo: SqlValue[] | null, hi: SqlValue[] | null): { sql: string; params: SqlValue[] } {
    const parts = [this.keyPresent(alias)];
    if (lo) parts.push(afterKey(this.key, alias));
    if (hi) parts.push(`(${columnList(this.key, alias)}) <= (${this.key.map(() => "?").join(", ")})`);
    return { sql: parts.join(" AND "), params: [...(lo ?? []), ...(hi ?? [])] };
  }
}

/** The whole difference, counted: a walk of both tables (seconds on a large one: the worker's work). */
export function countDifference(db: SqlDatabase, backup: TableShape): DiffCounts {
  const p = new Pairing(db, backup);
  const count = (sql: string) => Number(db.query(sql).values()[0]?.[0] ?? 0);
  const all = `SELECT count(*) FROM ${p.backup} b WHERE ${p.keyPresent("b")}`;
  if (!p.live) return { deleted: count(all), added: 0, changed: 0 };
  return {
    deleted: count(`${all} AND NOT EXISTS (SELECT 1 FROM ${p.live} n WHERE ${p.sameKey})`),
    added: count(
      `SELECT count(*) FROM ${p.live} n WHERE ${p.keyPresent("n")} AND NOT EXISTS (SELECT 1 FROM ${p.backup} b WHERE ${p.sameKey})`,
    ),
    changed: count(`SELECT count(*) FROM ${p.backup} b JOIN ${p.live} n ON ${p.sameKey} WHERE ${p.differ}`),
  };
}

/**
 * One page of one side of the difference, from the cursor on: a merge-walk of both tables in key
 * order, `DIFF_CHUNK` keys of each per step, within the budget. A page may hold fewer rows than
 * asked (none, even) and still have a `next`: the walk stopped at its budget there.
 */
export function readDiffPage(
  db: SqlDatabase,
  backup: TableShape,
  request: DiffRequest,
  options: { budget?: ScanBudget; now?: () => number } = {},
): DiffPage {
  const p = new Pairing(db, backup);
  const limit = pageSize(request.limit);
  const budget = options.budget ?? PAGE_BUDGET;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let lo = request.after ? decodeCursor(request.after, p.key.length) : null;
  const rows: DiffRow[] = [];
  let scanned = 0;
  for (;;) {
    const hi = stepEnd(db, p, lo);
    const wanted = limit - rows.length;
    const found = sideRows(db, p, request.side, lo, hi, wanted + 1);
    for (const row of found.slice(0, wanted)) rows.push(shownRow(row, p.key.length, request));
    if (found.length > wanted) {
      const last = found[wanted - 1] as SqlValue[];
      return { columns: p.columns, rows, next: encodeCursor(last.slice(0, p.key.length)) };
    }
    if (hi === null) return { columns: p.columns, rows, next: null };
    lo = hi;
    scanned += 2 * DIFF_CHUNK;
    if (rows.length === limit || scanned >= budget.rows || now() - started >= budget.ms)
      return { columns: p.columns, rows, next: encodeCursor(hi) };
  }
}

/**
 * Where this step of the walk ends: the smaller of the `DIFF_CHUNK`th key after `lo` in either
 * table (compared by SQLite, in the key's collations), or null when both end before that.
 */
function stepEnd(db: SqlDatabase, p: Pairing, lo: SqlValue[] | null): SqlValue[] | null {
  const lastOfChunk = (table: string | null, alias: string): SqlValue[] | null => {
    if (table === null) return null;
    const range = p.range(alias, lo, null);
    const keys = db
      .query<unknown, SqlValue[]>(
        `SELECT ${columnList(p.key, alias)} FROM ${table} ${alias} WHERE ${range.sql} ORDER BY ${columnList(p.key, alias)} LIMIT ?`,
      )
      .safeIntegers(true)
      .values(...range.params, DIFF_CHUNK);
    return keys.length < DIFF_CHUNK ? null : (keys.at(-1) as SqlValue[]);
  };
  const inBackup = lastOfChunk(p.backup, "b");
  const inLive = lastOfChunk(p.live, "n");
  if (!inBackup || !inLive) return inBackup ?? inLive;
  const liveFirst = db
    .query<unknown, SqlValue[]>(
      `SELECT 1 FROM ${p.live} n WHERE (${columnList(p.key, "n")}) = (${p.key.map(() => "?").join(", ")}) AND (${columnList(p.key, "n")}) <= (${p.key.map(() => "?").join(", ")})`,
    )
    .values(...inLive, ...inBackup);
  return liveFirst.length > 0 ? inLive : inBackup;
}

/** Rows of `side` with keys in (lo, hi]: the key's values, then the backup's and/or today's values. */
function sideRows(
  db: SqlDatabase,
  p: Pairing,
  side: DiffSide,
  lo: SqlValue[] | null,
  hi: SqlValue[] | null,
  limit: number,
): SqlValue[][] {
  if (side !== "deleted" && p.live === null) return [];
  const alias = side === "added" ? "n" : "b";
  const range = p.range(alias, lo, hi);
  const keys = columnList(p.key, alias);
  const sql =
    side === "deleted"
      ? `SELECT ${keys}, ${columnList(p.columns, "b")} FROM ${p.backup} b WHERE ${range.sql}${p.live ? ` AND NOT EXISTS (SELECT 1 FROM ${p.live} n WHERE ${p.sameKey})` : ""}`
      : side === "added"
        ? `SELECT ${keys}, ${p.nowColumns} FROM ${p.live} n WHERE ${range.sql} AND NOT EXISTS (SELECT 1 FROM ${p.backup} b WHERE ${p.sameKey})`
        : `SELECT ${keys}, ${columnList(p.columns, "b")}, ${p.nowColumns} FROM ${p.backup} b JOIN ${p.live} n ON ${p.sameKey} WHERE ${range.sql} AND ${p.differ}`;
  // Integers as bigint, as a page of rows reads them (`readRowsPage`): keys and values exact.
  return db
    .query<unknown, SqlValue[]>(`${sql} ORDER BY ${keys} LIMIT ?`)
    .safeIntegers(true)
    .values(...range.params, limit);
}

function shownRow(row: SqlValue[], keyLength: number, request: DiffRequest): DiffRow {
  const show = (values: SqlValue[]) => values.map((v) => shown(v, request.whole));
  const exactKey = row.slice(0, keyLength);
  const key = show(exactKey);
  const values = row.slice(keyLength);
  if (request.side === "deleted") return { key, exactKey, backup: show(values), now: null };
  if (request.side === "added") return { key, exactKey, backup: null, now: show(values) };
  const half = values.length / 2;
  return { key, exactKey, backup: show(values.slice(0, half)), now: show(values.slice(half)) };
}
