import { openDatabase } from "#runtime/sqlite.ts";
import { embeddedMigrations } from "../db/migrations.ts";
import { createOrm, migrate } from "../db/open.ts";
import type { SqlDatabase } from "../runtime/types.ts";

/**
 * The shape of a database's schema as the backup trust rule compares it: what `sqlite_master`
 * holds, and for tables the columns and foreign keys SQLite reports. Read only through queries
 * (never by running anything the file's schema holds).
 */

export interface SchemaObject {
  type: string;
  name: string;
  /** The table an index or trigger belongs to (a table's or view's own name otherwise). */
  table: string;
  /** The CREATE statement as stored; null for the indexes SQLite makes itself. */
  sql: string | null;
}

export interface ColumnShape {
  name: string;
  type: string;
  notNull: boolean;
  defaultValue: string | null;
  /** Position in the primary key, 0 when not part of it. */
  primaryKey: number;
  /** 0 normal, 1 hidden (virtual tables), 2 or 3 generated. */
  hidden: number;
}

export interface TableDetail {
  columns: ColumnShape[];
  /** One line per foreign key column, e.g. "user_id → users(id) on update NO ACTION on delete CASCADE". */
  foreignKeys: string[];
}

export interface ExpectedSchema {
  objects: Map<string, SchemaObject>;
  tables: Map<string, TableDetail>;
}

/** Every object of the schema by name (names are unique across types in SQLite). */
export function readSchemaObjects(db: SqlDatabase): Map<string, SchemaObject> {
  const rows = db
    .query<SchemaObject, []>('SELECT type, name, tbl_name AS "table", sql FROM sqlite_master ORDER BY rowid')
    .all();
  return new Map(rows.map((row) => [row.name, row]));
}

/** Columns and foreign keys of one table, through SQLite's table-valued pragmas. */
export function readTableDetail(db: SqlDatabase, table: string): TableDetail {
  const columns = db
    .query<
      { name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number },
      [string]
    >('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)')
    .all(table)
    .map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.notnull === 1,
      defaultValue: c.dflt_value,
      primaryKey: c.pk,
      hidden: c.hidden,
    }));
  const foreignKeys = db
    .query<
      { table: string; from: string; to: string | null; on_update: string; on_delete: string },
      [string]
    >('SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq')
    .all(table)
    .map(
      (fk) => `${fk.from} → ${fk.table}(${fk.to ?? ""}) on update ${fk.on_update} on delete ${fk.on_delete}`,
    );
  return { columns, foreignKeys };
}

const cache = new Map<number, ExpectedSchema>();

/**
 * The schema this app's first `count` migrations make, built by running them (as the app runs
 * them, through Drizzle's migrator) on an empty in-memory database. The same every time for a
 * given count, so it is built once per count and thread.
 */
export function expectedSchema(count: number): ExpectedSchema {
  const known = cache.get(count);
  if (known) return known;
  const db = openDatabase(":memory:");
  try {
    migrate(createOrm(db), embeddedMigrations().slice(0, count));
    const objects = readSchemaObjects(db);
    const tables = new Map<string, TableDetail>();
    for (const object of objects.values()) {
      if (object.type === "table") tables.set(object.name, readTableDetail(db, object.name));
    }
    const schema = { objects, tables };
    cache.set(count, schema);
    return schema;
  } finally {
    db.close();
  }
}

/**
 * A table's or index's CREATE statement with its spacing made uniform: the migration table's
 * statement comes from Drizzle, whose indentation may change between its versions; names,
 * quotes and case still count.
 */
export function normalizeSql(sql: string | null): string | null {
  if (sql === null) return null;
  return sql
    .replace(/\s+/g, " ")
    .replace(/ ?([(),;]) ?/g, "$1")
    .trim();
}
