import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import { afterKey, columnList, orderOf, type TableShape, tableRef } from "./tables.ts";
import { decodeCursor, encodeCursor, holdsText, shown } from "./values.ts";

/** Rows on a page unless asked otherwise, and the most a page holds. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/**
 * How much one call may read before it answers with what it found and where to go on: a search
 * through a large table answers in bounded time, and `next` continues it.
 */
export interface ScanBudget {
  rows: number;
  ms: number;
}
export const PAGE_BUDGET: ScanBudget = { rows: 20_000, ms: 150 };

/** Rows read from the file per query while searching: the budget is checked between them. */
const SEARCH_CHUNK = 2_000;

export interface RowsRequest {
  search?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
  /** Values whole (a CSV export): text not cut, integers as bigint (see `shown`). */
  whole?: boolean;
}

export interface RowsPage {
  columns: string[];
  rows: unknown[][];
  /** Where the next page starts; null when the table's end was reached. */
  next: string | null;
  /**
   * False when a search stopped at its budget before filling the page: the rows up to `next` were
   * all looked at, and `next` goes on from there.
   */
  complete: boolean;
}

/** The page size asked for, as a whole number from 1 to `MAX_PAGE` (default `DEFAULT_PAGE`). */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE;
  return Math.min(MAX_PAGE, Math.max(1, Math.floor(limit)));
}

/** A search's text as matched: lower case, at most 200 characters; null for none. */
export function searchNeedle(search: string | undefined): string | null {
  const text = (search ?? "").slice(0, 200).toLowerCase();
  return text === "" ? null : text;
}

/**
 * One page of `shape`'s rows in `schema` of `db`, in its paging order, after the cursor `after`
 * (keyset paging: the key goes into a WHERE, never an OFFSET, so a page deep in a large table
 * costs what the first one does). With a search, only rows any of whose values holds its text.
 */
export function readRowsPage(
  db: SqlDatabase,
  shape: TableShape,
  request: RowsRequest,
  options: { schema?: string; budget?: ScanBudget; now?: () => number } = {},
): RowsPage {
  const order = orderOf(shape);
  const limit = pageSize(request.limit);
  const needle = searchNeedle(request.search);
  const budget = options.budget ?? PAGE_BUDGET;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const from = tableRef(options.schema ?? "main", shape.name);
  const select = `SELECT ${columnList(order)}, ${columnList(shape.columns)} FROM ${from}`;
  // Integers as bigint: a key beyond 2^53 must come back into the cursor exactly (`shown` says
  // which ones a page shows as digits).
  const first = db
    .query<unknown, [number]>(`${select} ORDER BY ${columnList(order)} LIMIT ?`)
    .safeIntegers(true);
  const later = db
    .query<unknown, SqlValue[]>(`${select} WHERE ${afterKey(order)} ORDER BY ${columnList(order)} LIMIT ?`)
    .safeIntegers(true);
  const chunk = needle === null ? limit + 1 : SEARCH_CHUNK;
  let cursor: SqlValue[] | null = request.after ? decodeCursor(request.after, order.length) : null;
  const rows: unknown[][] = [];
  let scanned = 0;
  for (;;) {
    const read = cursor === null ? first.values(chunk) : later.values(...cursor, chunk);
    for (const [i, row] of read.entries()) {
      scanned++;
      cursor = row.slice(0, order.length);
      const values = row.slice(order.length);
      if (needle !== null && !holdsText(values, needle)) continue;
      rows.push(values.map((v) => shown(v, request.whole)));
      if (rows.length === limit) {
        const more = i < read.length - 1 || read.length === chunk;
        return { columns: shape.columns, rows, next: more ? encodeCursor(cursor) : null, complete: true };
      }
    }
    if (read.length < chunk || cursor === null)
      return { columns: shape.columns, rows, next: null, complete: true };
    if (scanned >= budget.rows || now() - started >= budget.ms)
      return { columns: shape.columns, rows, next: encodeCursor(cursor), complete: false };
  }
}
