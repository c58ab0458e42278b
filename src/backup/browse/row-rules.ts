import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import { foldName, quoteName, readIndexes } from "../inspect/schema-shape.ts";
import { findShape, readShapes, type TableShape, tableRef } from "./tables.ts";
import { valuesToken } from "./values.ts";

/**
 * What the live database would say to rows put back into one of its tables, found out before
 * (keys and unique values taken now) and after they are written in the open transaction
 * (references to rows that are gone), so that a refusal names the row and the reason in words
 * rather than SQLite's bare "constraint failed". Everything is read from what SQLite reports
 * (`table_xinfo`, `index_list`, `foreign_key_list`); names are always quoted, never spliced.
 * Only `main` is asked: the backup is attached beside it while its rows go back. Values are the
 * backup's as read with integers as bigint, so a value beyond 2^53 is compared exactly.
 */

/** One row on its way back: its key and its values, in the order of the backup's columns. */
export interface IncomingRow {
  key: SqlValue[];
  values: SqlValue[];
}

/** A table rows go back into: one with a primary key. */
export type KeyedShape = TableShape & { key: string[] };

/** Rows on their way back into `table`, with the backup's `columns` their values follow. */
export interface RowBatch {
  table: KeyedShape;
  columns: string[];
  rows: IncomingRow[];
}

/** Reads a row's values of the named columns (null for a column the batch does not have). */
function picker(columns: string[]): (row: IncomingRow, names: string[]) => SqlValue[] {
  const position = new Map(columns.map((c, i) => [foldName(c), i]));
  return (row, names) =>
    names.map((name) => {
      const at = position.get(foldName(name));
      return at === undefined ? null : (row.values[at] ?? null);
    });
}

/** A key or values as a person reads them: `17`, `"ABC-1"`, `(3, "b")`. */
export function describeValues(values: SqlValue[]): string {
  const one = (v: SqlValue) =>
    v instanceof Uint8Array
      ? `(${v.byteLength} bytes)`
      : typeof v === "string"
        ? JSON.stringify(v)
        : String(v);
  return values.length === 1 ? one(values[0] ?? null) : `(${values.map(one).join(", ")})`;
}

const where = (columns: string[], collations: (string | null)[] = []) =>
  columns
    .map((c, i) => `${quoteName(c)} = ?${collations[i] ? ` COLLATE ${collations[i]}` : ""}`)
    .join(" AND ");

/** The rows whose key is taken in `table` now (they are never overwritten), and why, in words. */
export function keysTakenNow(
  db: SqlDatabase,
  table: KeyedShape,
  rows: IncomingRow[],
): { taken: Set<IncomingRow>; reasons: string[] } {
  const lookup = db.prepare(
    `SELECT 1 FROM ${tableRef("main", table.name)} WHERE ${where(table.key)} LIMIT 1`,
  );
  const taken = new Set(rows.filter((row) => lookup.get(...row.key) !== null));
  const reasons = [...taken].map(
    (row) => `${table.name} ${describeValues(row.key)} exists now (it is not overwritten)`,
  );
  return { taken, reasons };
}

/**
 * The rows whose value of a UNIQUE column (or set of columns) is taken now, or is the same as
 * another incoming row's. NULLs never collide; an index with a WHERE or an expression is left
 * to SQLite itself (its refusal is said as it reports it).
 */
export function uniqueValuesTaken(db: SqlDatabase, { table, columns, rows }: RowBatch): string[] {
  const reasons: string[] = [];
  const pick = picker(columns);
  const known = new Set(columns.map(foldName));
  for (const index of readIndexes(db, table.name)) {
    if (!index.unique || index.origin === "pk" || index.partial) continue;
    const names = index.keys.map((k) => k.name);
    if (names.some((n) => n === null || !known.has(foldName(n)))) continue;
    const cols = names as string[];
    const what = cols.join(", ");
    const taken = db.prepare(
      `SELECT 1 FROM ${tableRef("main", table.name)} WHERE ${where(
        cols,
        index.keys.map((k) => quoteName(k.collation)),
      )} LIMIT 1`,
    );
    const seen = new Map<string, IncomingRow>();
    for (const row of rows) {
      const values = pick(row, cols);
      if (values.some((v) => v === null)) continue;
      const label = `${table.name} ${describeValues(row.key)}`;
      if (taken.get(...values) !== null) {
        reasons.push(`${label}: a row with the same ${what} exists now`);
        continue;
      }
      // Compared as SQLite would only for BINARY collation; others are left to the insert.
      const token = valuesToken(values);
      const twin = seen.get(token);
      if (twin) reasons.push(`${label} and ${table.name} ${describeValues(twin.key)} have the same ${what}`);
      else seen.set(token, row);
    }
  }
  return reasons;
}

interface Reference {
  parent: string;
  from: string[];
  to: (string | null)[];
}

/** The table's foreign keys, each with all its columns (a composite key is one reference). */
function referencesOf(db: SqlDatabase, table: string): Reference[] {
  const rows = db
    .query<{ id: number; table: string; from: string; to: string | null }, [string]>(
      'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?, \'main\') ORDER BY id, seq',
    )
    .all(table);
  const byId = new Map<number, Reference>();
  for (const row of rows) {
    const ref = byId.get(row.id) ?? { parent: row.table, from: [], to: [] };
    ref.from.push(row.from);
    ref.to.push(row.to);
    byId.set(row.id, ref);
  }
  return [...byId.values()];
}

/**
 * The rows (written now, in the open transaction: rows brought back together may point to each
 * other) that point to a row the live database does not have. A reference with a NULL in it
 * points nowhere and is allowed, as SQLite allows it.
 */
export function missingParents(db: SqlDatabase, { table, columns, rows }: RowBatch): string[] {
  const reasons: string[] = [];
  const pick = picker(columns);
  const shapes = readShapes(db);
  for (const ref of referencesOf(db, table.name)) {
    const parent = findShape(shapes, ref.parent);
    // Without "to", a reference points to the parent's primary key.
    const to = ref.to.every((c) => c !== null) ? (ref.to as string[]) : (parent?.key ?? []);
    const lookup =
      parent && to.length === ref.from.length
        ? db.prepare(`SELECT 1 FROM ${tableRef("main", parent.name)} WHERE ${where(to)} LIMIT 1`)
        : null;
    for (const row of rows) {
      const values = pick(row, ref.from);
      if (values.some((v) => v === null)) continue;
      if (lookup && lookup.get(...values) !== null) continue;
      reasons.push(
        `${table.name} ${describeValues(row.key)} would point to ${ref.parent} ${describeValues(values)}, which does not exist now`,
      );
    }
  }
  return reasons;
}
