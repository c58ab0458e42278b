import type { MigrationMeta } from "drizzle-orm/migrator";
import { immutableUri, openDatabase } from "#runtime/sqlite.ts";
import { IDENTITY_TABLE } from "../../db/identity.ts";
import { embeddedMigrations } from "../../db/migrations.ts";
import { createOrm, migrate } from "../../db/open.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { openBackupFile } from "./checks.ts";
import {
  type ColumnShape,
  expectedSchema,
  foldName,
  type IndexFacts,
  type IndexKey,
  quoteName,
  readColumns,
  readIndexes,
  readTableList,
  type TableFacts,
} from "./schema-shape.ts";
import { checkSchemaTrust } from "./trust.ts";

/**
 * A foreign file (an upload, a file dropped into the backup folder, an off-site copy nobody can
 * prove this installation wrote) is never put in place as it is: it is rebuilt. The new file's
 * schema is made by this app's own migrations on an empty database; the rows of the app's tables
 * are copied in; each of the shop's own tables is made anew from what SQLite reports of it
 * (columns, their type affinity or STRICT type, NOT NULL, primary key, UNIQUE constraints, plain
 * indexes, WITHOUT ROWID, STRICT) and its rows copied in with their rowids. Nothing else of the
 * file's schema exists in the result: no statement it stores is ever run or copied. What the
 * shop's tables lose: CHECK constraints, defaults, collations of columns, foreign keys,
 * AUTOINCREMENT, and the free pages (deleted data) of the file. The rows of `audit_log` are not
 * carried (`NOT_CARRIED`): the audit trail lives in its own file, which no restore reaches, and
 * the app would take entries it finds in a database into it.
 */

/** The app's tables whose rows a rebuild leaves behind. */
export const NOT_CARRIED: ReadonlySet<string> = new Set(["audit_log"]);

export interface RebuildResult {
  /** Rows per table of the rebuilt file, equal to the source's. */
  rowCounts: Record<string, number>;
  /** The shop's own tables carried over. */
  unknownTables: string[];
}

export class RebuildError extends Error {}

/**
 * Rebuilds `source` (a file that passed the trust rule; it is judged again here) into `target`,
 * which must not exist, and returns its row counts. `target` is written without a journal and not
 * flushed: the caller flushes it, or removes it on failure. Throws `RebuildError` when the source
 * fails the trust rule or the copy does not hold every row, and SQLite's error when it cannot be read.
 */
export function rebuildDatabase(
  source: string,
  target: string,
  migrations: MigrationMeta[] = embeddedMigrations(),
): RebuildResult {
  const { count, encoding, unknownTables } = judgeSource(source);
  const db = openDatabase(target, { create: true });
  try {
    // Text is copied as it is: SQLite attaches only a file of the same text encoding.
    db.run(`PRAGMA encoding = '${encoding}'`);
    db.run("PRAGMA journal_mode = OFF");
    db.run("PRAGMA synchronous = OFF");
    // Room for the b-trees being filled (a third faster at 512 MB than SQLite's 2 MiB); in the worker.
    db.run("PRAGMA cache_size = -32768");
    migrate(createOrm(db), migrations.slice(0, count));
    db.run("ATTACH DATABASE ? AS src", [immutableUri(source)]);
    const rowCounts = db.transaction(() => copyEverything(db, count, unknownTables))();
    db.run("DETACH DATABASE src");
    db.run("PRAGMA journal_mode = DELETE");
    const again = checkSchemaTrust(db);
    if (!again.ok) throw new RebuildError(`the rebuilt file failed the trust rule: ${again.reason}`);
    return { rowCounts, unknownTables };
  } finally {
    db.close();
  }
}

function judgeSource(source: string): { count: number; encoding: string; unknownTables: string[] } {
  const db = openBackupFile(source);
  try {
    const verdict = checkSchemaTrust(db);
    if (!verdict.ok || verdict.migrations === undefined)
      throw new RebuildError(verdict.reason ?? "it failed the trust rule");
    const encoding = String(db.query("PRAGMA encoding").values()[0]?.[0] ?? "UTF-8");
    if (!["UTF-8", "UTF-16le", "UTF-16be"].includes(encoding))
      throw new RebuildError(`its text encoding ${encoding} is unknown`);
    return { count: verdict.migrations, encoding, unknownTables: verdict.unknownTables ?? [] };
  } finally {
    db.close();
  }
}

/** Inside one transaction: the app's rows, then each of the shop's tables; returns the row counts. */
function copyEverything(db: SqlDatabase, count: number, unknownTables: string[]): Record<string, number> {
  const facts = readTableList(db, "src");
  const copied: string[] = [];
  for (const row of expectedSchema(count).rows) {
    if (row.type !== "table") continue;
    const name = foldName(row.name);
    if (name === "__drizzle_migrations") continue; // Written by the migrations above, the same rows.
    if (NOT_CARRIED.has(name)) continue;
    if (name === "sqlite_sequence") {
      db.run("DELETE FROM main.sqlite_sequence");
      db.run("INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM src.sqlite_sequence");
      continue;
    }
    copyRows(db, row.name, facts.get(name));
    copied.push(row.name);
  }
  for (const table of unknownTables) {
    const tableFacts = facts.get(foldName(table));
    if (!tableFacts) throw new RebuildError(`table \`${table}\` is gone from the file`);
    const columns = readColumns(db, table, "src");
    const indexes = readIndexes(db, table, "src");
    db.run(createTableStatement(tableFacts, columns, indexes));
    copyRows(db, table, tableFacts);
    for (const index of indexes.filter((i) => i.origin === "c")) db.run(createIndexStatement(index));
    copied.push(table);
  }
  const rowCounts: Record<string, number> = {};
  for (const table of copied) {
    const here = countOf(db, "main", table);
    const there = countOf(db, "src", table);
    if (here !== there) throw new RebuildError(`table \`${table}\` came out with ${here} rows of ${there}`);
    if (foldName(table) !== IDENTITY_TABLE) rowCounts[table] = here;
  }
  return rowCounts;
}

function countOf(db: SqlDatabase, schema: string, table: string): number {
  return Number(
    db.query(`SELECT count(*) FROM ${quoteName(schema)}.${quoteName(table)}`).values()[0]?.[0] ?? 0,
  );
}

/**
 * The column that is the table's rowid (an `INTEGER PRIMARY KEY`), as SQLite tells it: the only
 * primary key column of a rowid table with no index made for its key. Null when there is none.
 */
function rowidAlias(facts: TableFacts, columns: ColumnShape[], indexes: IndexFacts[]): ColumnShape | null {
  const key = columns.filter((c) => c.primaryKey > 0);
  if (facts.withoutRowid || key.length !== 1 || indexes.some((i) => i.origin === "pk")) return null;
  return key[0] ?? null;
}

/** Copies every row of `table` from `src` into `main`, rowids included where SQL can name them. */
function copyRows(db: SqlDatabase, table: string, facts: TableFacts | undefined): void {
  if (!facts) throw new RebuildError(`table \`${table}\` is not in the file`);
  const columns = readColumns(db, table, "src");
  const names = columns.map((c) => quoteName(c.name));
  const taken = new Set(columns.map((c) => foldName(c.name)));
  const indexes = readIndexes(db, table, "src");
  // A table's hidden rowid keeps its value: something outside may refer to it.
  const rowid =
    facts.withoutRowid || rowidAlias(facts, columns, indexes)
      ? null
      : (["rowid", "_rowid_", "oid"].find((n) => !taken.has(n)) ?? null);
  const list = [...(rowid ? [quoteName(rowid)] : []), ...names].join(", ");
  db.run(`INSERT INTO main.${quoteName(table)} (${list}) SELECT ${list} FROM src.${quoteName(table)}`);
}

/** SQLite's rule for the affinity a declared type gives a column (datatype3.html, 3.1). */
function affinityOf(declared: string): "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC" {
  const type = declared.toUpperCase();
  if (type.includes("INT")) return "INTEGER";
  if (type.includes("CHAR") || type.includes("CLOB") || type.includes("TEXT")) return "TEXT";
  if (type.includes("BLOB") || type === "") return "BLOB";
  if (type.includes("REAL") || type.includes("FLOA") || type.includes("DOUB")) return "REAL";
  return "NUMERIC";
}

const STRICT_TYPES = new Set(["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"]);

/** The type a rebuilt column is declared with: one that gives it the same affinity (or STRICT type). */
function declaredType(column: ColumnShape, facts: TableFacts, alias: boolean): string {
  if (facts.strict) {
    const type = column.type.toUpperCase();
    if (!STRICT_TYPES.has(type)) throw new RebuildError(`column \`${column.name}\` has the type ${type}`);
    return type;
  }
  const affinity = affinityOf(column.type);
  // Only a column declared exactly INTEGER can be the rowid; INT has the same affinity.
  if (affinity === "INTEGER") return alias ? "INTEGER" : "INT";
  return affinity;
}

function keyColumn(key: IndexKey): string {
  if (key.name === null) throw new RebuildError("an index of an expression");
  return `${quoteName(key.name)} COLLATE ${quoteName(key.collation)}${key.desc ? " DESC" : ""}`;
}

function createTableStatement(facts: TableFacts, columns: ColumnShape[], indexes: IndexFacts[]): string {
  const alias = rowidAlias(facts, columns, indexes);
  const parts = columns.map(
    (c) => `${quoteName(c.name)} ${declaredType(c, facts, c === alias)}${c.notNull ? " NOT NULL" : ""}`,
  );
  const primaryIndex = indexes.find((i) => i.origin === "pk");
  if (alias) parts.push(`PRIMARY KEY (${quoteName(alias.name)})`);
  else if (primaryIndex) parts.push(`PRIMARY KEY (${primaryIndex.keys.map(keyColumn).join(", ")})`);
  else {
    // A WITHOUT ROWID table's key has no index of its own: its columns say it.
    const key = columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
    if (key.length > 0) parts.push(`PRIMARY KEY (${key.map((c) => quoteName(c.name)).join(", ")})`);
  }
  for (const unique of indexes.filter((i) => i.origin === "u"))
    parts.push(`UNIQUE (${unique.keys.map(keyColumn).join(", ")})`);
  const options = [...(facts.withoutRowid ? ["WITHOUT ROWID"] : []), ...(facts.strict ? ["STRICT"] : [])];
  return `CREATE TABLE main.${quoteName(facts.name)} (${parts.join(", ")})${options.length ? ` ${options.join(", ")}` : ""}`;
}

function createIndexStatement(index: IndexFacts): string {
  const unique = index.unique ? "UNIQUE " : "";
  return `CREATE ${unique}INDEX main.${quoteName(index.name)} ON ${quoteName(index.table)} (${index.keys.map(keyColumn).join(", ")})`;
}
