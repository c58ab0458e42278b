import type { MigrationMeta } from "drizzle-orm/migrator";
import { openDatabase } from "#runtime/sqlite.ts";
import { embeddedMigrations } from "../../db/migrations.ts";
import { createOrm, migrate } from "../../db/open.ts";
import type { SqlDatabase } from "../../runtime/types.ts";

/**
 * A database's schema as SQLite itself reports it: the rows of `sqlite_schema` as they are
 * stored, and what SQLite's parser made of them (`PRAGMA table_list`, `table_xinfo`,
 * `foreign_key_list`, `index_list`, `index_xinfo`). Read through queries only: nothing a file's
 * schema holds runs while it is read, and no statement text is interpreted here.
 */

/** One row of `sqlite_schema`, as stored. */
export interface SchemaRow {
  type: string;
  name: string;
  /** The table an index or trigger belongs to, as stored (a table's or view's own name otherwise). */
  table: string;
  /** The CREATE statement as stored; null for the indexes SQLite makes itself. */
  sql: string | null;
}

/** What SQLite's parser says a table is (`PRAGMA table_list`). */
export interface TableFacts {
  name: string;
  /** "table" (ordinary), "view", "virtual" or "shadow" (a virtual table's own storage). */
  kind: string;
  withoutRowid: boolean;
  strict: boolean;
}

export interface ColumnShape {
  name: string;
  /** The declared type as SQLite parsed it ("" when none). */
  type: string;
  notNull: boolean;
  defaultValue: string | null;
  /** Position in the primary key, 0 when not part of it. */
  primaryKey: number;
  /** 0 normal, 1 hidden (virtual tables), 2 or 3 generated. */
  hidden: number;
}

export interface ForeignKey {
  /** The table it refers to, as written. */
  table: string;
  from: string;
  to: string | null;
  onUpdate: string;
  onDelete: string;
}

export interface IndexKey {
  /** The column's name; null for an expression. */
  name: string | null;
  /** The column's position in its table; -2 for an expression, -1 for the rowid. */
  cid: number;
  desc: boolean;
  collation: string;
}

/** An index as SQLite parsed it (`index_list`, `index_xinfo`). */
export interface IndexFacts {
  name: string;
  table: string;
  unique: boolean;
  /** "c" made by CREATE INDEX, "u" by a UNIQUE constraint, "pk" by a PRIMARY KEY. */
  origin: string;
  partial: boolean;
  keys: IndexKey[];
}

/** The same row of `sqlite_schema`: type, name, table and stored statement, byte for byte. */
export function sameRow(a: SchemaRow, b: SchemaRow): boolean {
  return a.type === b.type && a.name === b.name && a.table === b.table && a.sql === b.sql;
}

/** SQLite's own case folding of names: ASCII letters only. */
export function foldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A name as an SQL identifier, quoted: never spliced into a statement any other way. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Every row of `sqlite_schema`, in storage order; names may repeat (across types). */
export function readSchemaRows(db: SqlDatabase, schema = "main"): SchemaRow[] {
  return db
    .query<SchemaRow, []>(
      `SELECT type, name, tbl_name AS "table", sql FROM ${quoteName(schema)}.sqlite_schema ORDER BY rowid`,
    )
    .all();
}

/** Every table and view SQLite parsed from the schema, by folded name (its own `sqlite_schema` left out). */
export function readTableList(db: SqlDatabase, schema = "main"): Map<string, TableFacts> {
  const rows = db
    .query<{ schema: string; name: string; type: string; wr: number; strict: number }, []>(
      `PRAGMA ${quoteName(schema)}.table_list`,
    )
    .all();
  const tables = new Map<string, TableFacts>();
  for (const row of rows) {
    if (row.schema !== schema || foldName(row.name) === "sqlite_schema") continue;
    tables.set(foldName(row.name), {
      name: row.name,
      kind: row.type,
      withoutRowid: row.wr === 1,
      strict: row.strict === 1,
    });
  }
  return tables;
}

/** The columns of an ordinary table, hidden and generated ones included. */
export function readColumns(db: SqlDatabase, table: string, schema = "main"): ColumnShape[] {
  return db
    .query<
      { name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number },
      [string, string]
    >('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?) ORDER BY cid')
    .all(table, schema)
    .map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.notnull === 1,
      defaultValue: c.dflt_value,
      primaryKey: c.pk,
      hidden: c.hidden,
    }));
}

export function readForeignKeys(db: SqlDatabase, table: string, schema = "main"): ForeignKey[] {
  return db
    .query<
      { table: string; from: string; to: string | null; on_update: string; on_delete: string },
      [string, string]
    >(
      'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq',
    )
    .all(table, schema)
    .map((fk) => ({
      table: fk.table,
      from: fk.from,
      to: fk.to,
      onUpdate: fk.on_update,
      onDelete: fk.on_delete,
    }));
}

/** The indexes of an ordinary table with their key columns. */
export function readIndexes(db: SqlDatabase, table: string, schema = "main"): IndexFacts[] {
  const list = db
    .query<{ name: string; unique: number; origin: string; partial: number }, [string, string]>(
      'SELECT name, "unique", origin, partial FROM pragma_index_list(?, ?) ORDER BY seq',
    )
    .all(table, schema);
  return list.map((index) => ({
    name: index.name,
    table,
    unique: index.unique === 1,
    origin: index.origin,
    partial: index.partial === 1,
    keys: db
      .query<{ name: string | null; cid: number; desc: number; coll: string }, [string, string]>(
        'SELECT name, cid, "desc", coll FROM pragma_index_xinfo(?, ?) WHERE "key" = 1 ORDER BY seqno',
      )
      .all(index.name, schema)
      .map((k) => ({ name: k.name, cid: k.cid, desc: k.desc === 1, collation: k.coll })),
  }));
}

/** The schema this app's first N migrations make. */
export interface ExpectedSchema {
  rows: SchemaRow[];
  /** The rows by folded name (unique in a schema the migrations made). */
  byName: Map<string, SchemaRow>;
  /** The columns of each of its tables, by folded name: what a differing table is explained by. */
  columns: Map<string, ColumnShape[]>;
}

const cache = new Map<string, ExpectedSchema>();

/**
 * The schema the first `count` of this app's `migrations` make, built by running them (as the
 * app runs them, through Drizzle's migrator) on an empty in-memory database. The same every time
 * for the same migrations, so it is built once per list and thread.
 */
export function expectedSchema(
  count: number,
  migrations: MigrationMeta[] = embeddedMigrations(),
): ExpectedSchema {
  const used = migrations.slice(0, count);
  const key = used.map((m) => m.hash).join(",");
  const known = cache.get(key);
  if (known) return known;
  const db = openDatabase(":memory:");
  try {
    migrate(createOrm(db), used);
    const rows = readSchemaRows(db);
    const columns = new Map<string, ColumnShape[]>();
    for (const row of rows)
      if (row.type === "table") columns.set(foldName(row.name), readColumns(db, row.name));
    const schema = { rows, byName: new Map(rows.map((row) => [foldName(row.name), row])), columns };
    cache.set(key, schema);
    return schema;
  } finally {
    db.close();
  }
}
