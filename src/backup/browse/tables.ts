import type { SqlDatabase } from "../../runtime/types.ts";
import { foldName, quoteName, readColumns, readTableList } from "../inspect/schema-shape.ts";
import { noKeyRefused, tableNotFound } from "./errors.ts";

/**
 * A table as SQLite's parser reports it (`table_list`, `table_xinfo`), never as its statement's
 * text reads: its columns, its primary key and the order its rows are paged in.
 */
export interface TableShape {
  /** As stored in the file. */
  name: string;
  columns: string[];
  /** The primary key's columns in key order; null when the table declares none (diff refused). */
  key: string[] | null;
  /**
   * What rows are ordered and paged by: the rowid under a name no column hides (`rowid`,
   * `_rowid_` or `oid`), or the key of a WITHOUT ROWID table; null when neither can be read.
   */
  order: string[] | null;
}

const ROWID_NAMES = ["rowid", "_rowid_", "oid"];

/** Every ordinary table of `schema`, by name: not views, virtual tables or their shadow tables. */
export function readShapes(db: SqlDatabase, schema = "main"): TableShape[] {
  return [...readTableList(db, schema).values()]
    .filter((t) => t.kind === "table")
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => {
      const columns = readColumns(db, t.name, schema).filter((c) => c.hidden === 0);
      const names = new Set(columns.map((c) => foldName(c.name)));
      const keyed = columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
      const key = keyed.length > 0 ? keyed.map((c) => c.name) : null;
      const rowid = t.withoutRowid ? undefined : ROWID_NAMES.find((n) => !names.has(n));
      return { name: t.name, columns: columns.map((c) => c.name), key, order: rowid ? [rowid] : key };
    });
}

/** The shape of `table` among `shapes` (its exact name first, else as SQLite folds names). */
export function findShape(shapes: TableShape[], table: string): TableShape | undefined {
  return shapes.find((s) => s.name === table) ?? shapes.find((s) => foldName(s.name) === foldName(table));
}

/** `findShape`, or `LookError` (`look.not_found`). */
export function shapeOf(shapes: TableShape[], table: string): TableShape {
  const shape = findShape(shapes, table);
  if (!shape) throw tableNotFound(table);
  return shape;
}

/** The table's paging order, or `LookError` (`look.no_key`) when every name of its rowid is a column's. */
export function orderOf(shape: TableShape): string[] {
  if (!shape.order)
    throw noKeyRefused(shape.name, "its columns hide its row numbers and it has no primary key");
  return shape.order;
}

/** `a.col, b.col` for a list of names, quoted. */
export function columnList(names: string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : "";
  return names.map((n) => `${prefix}${quoteName(n)}`).join(", ");
}

/** `table` in `schema`, both quoted. */
export function tableRef(schema: string, table: string): string {
  return `${quoteName(schema)}.${quoteName(table)}`;
}

/** `(a, b) > (?, ?)`: after a key, in the key's own order and collations. */
export function afterKey(names: string[], alias?: string): string {
  return `(${columnList(names, alias)}) > (${names.map(() => "?").join(", ")})`;
}
