import { statSync } from "node:fs";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations, JOURNAL_ENTRIES } from "../../db/migrations.ts";
import { describeError } from "../../lib/errors.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { type CheckResult, checkFileShape, findDamage, openBackupFile } from "./checks.ts";
import {
  type ExpectedSchema,
  expectedSchema,
  foldName,
  type IndexFacts,
  quoteName,
  readColumns,
  readForeignKeys,
  readIndexes,
  readSchemaRows,
  readTableList,
  type SchemaRow,
  type TableFacts,
} from "./schema-shape.ts";

/**
 * Lets SQLite read the file `db` has open through a memory map of all of it rather than a read
 * per page: its `integrity_check` runs two to three times as fast. Only for a file this process
 * made and nobody else writes (one cut short under a map ends the process), never a file from
 * elsewhere. What the map holds is the system's file cache, shared and given back under pressure,
 * not memory of the app's own.
 */
function mapWhole(db: SqlDatabase, path: string): void {
  db.run(`PRAGMA mmap_size = ${statSync(path).size}`);
}

/**
 * The full check a backup must pass before it may replace the database: the file's shape
 * (`checkFileShape`), the trust rule, then SQLite's complete `integrity_check` — in that order,
 * because SQLite's check runs the code of a virtual table's module over the file's own data.
 */
export function checkRestorable(path: string, options: { mapped?: boolean } = {}): CheckResult {
  return checkShapeAndSchema(path, (db) => {
    if (options.mapped) mapWhole(db, path);
    const damage = findDamage(db, { full: true });
    return damage === null ? null : `SQLite found damage: ${damage}`;
  });
}

/** The trust rule (`checkSchemaTrust`) on a file, after its shape: what a restore judges its copy by. */
export function checkAppSchema(path: string): CheckResult {
  return checkShapeAndSchema(path, () => null);
}

function checkShapeAndSchema(path: string, then: (db: SqlDatabase) => string | null): CheckResult {
  const shape = checkFileShape(path);
  if (shape) return shape;
  let db: SqlDatabase | null = null;
  try {
    db = openBackupFile(path);
    const { migrations: _, ...trust } = checkSchemaTrust(db);
    if (!trust.ok) return trust;
    const reason = then(db);
    return reason === null ? trust : { ok: false, reason };
  } catch (error) {
    return { ok: false, reason: `SQLite cannot read it (${describeError(error)})` };
  } finally {
    db?.close();
  }
}

/**
 * The trust rule for backup files: a backup is data, never code. It is decided only by what
 * SQLite reports (see `schema-shape.ts`), never by reading statement text:
 * - every row of the file's `sqlite_schema` that bears a name of the app's schema (as the app's
 *   own migrations make it on an empty database, up to the file's migration count) must be that
 *   row exactly: type, name, table and stored statement, byte for byte;
 * - every object of that schema is there;
 * - beyond it only ordinary tables (as `PRAGMA table_list` says: not virtual, shadow or view),
 *   with no hidden or generated column and no foreign key to the app's tables, and plain indexes
 *   on them (no expression, no WHERE, only SQLite's built-in collations) are accepted; they are
 *   the shop's own data, kept and named in `unknownTables`. Nothing else: no trigger, no view, no
 *   virtual table, whatever its name or its statement's spelling;
 * - no name is given to two objects (SQLite keeps both rows; the second would hide the first);
 * - the migration history is this app's (same hashes); one from a newer version is refused.
 * A file that passes also tells how many of the app's migrations it has had (`migrations`).
 * `db` must be opened read-only (every connection has `trusted_schema=OFF`): nothing in the file
 * runs while it is judged. Throws SQLite's error when the schema cannot be read.
 */
export function checkSchemaTrust(
  db: SqlDatabase,
  migrations: MigrationMeta[] = embeddedMigrations(),
): CheckResult & { migrations?: number } {
  const rows = readSchemaRows(db);
  const tables = readTableList(db);
  const twice = namesGivenTwice(rows);
  if (twice.length > 0) return refusal(twice);
  const history = readMigrationCount(db, { rows, tables, migrations });
  if (typeof history === "string") return { ok: false, reason: history };
  const expected = expectedSchema(history, migrations);
  const judge = new Judge(db, expected, tables);
  const problems = [...rows.flatMap((row) => judge.row(row)), ...judge.shadowProblems()];
  const present = new Set(rows.map((row) => foldName(row.name)));
  for (const row of expected.rows) {
    if (!present.has(foldName(row.name))) problems.push(`${row.type} \`${row.name}\` is missing`);
  }
  if (problems.length > 0) return refusal(problems);
  // The schema is the app's: its tables may be read. Their numbers must be ones the app can count.
  const numbers = numbersBeyondCounting(db, expected);
  if (numbers.length > 0) return refusal(numbers);
  return { ok: true, reason: null, unknownTables: judge.unknownTables, migrations: history };
}

/**
 * The largest id the app's tables may hold: JavaScript counts exactly only up to 2^53, and ids
 * beyond it (or an AUTOINCREMENT counter set there) would give two users the same id in the app.
 */
const MAX_ID = Number.MAX_SAFE_INTEGER - 2 ** 20;

/**
 * What in the app's own tables (already proven the app's shape) holds a whole number the app cannot
 * count exactly: an integer column's value, or `sqlite_sequence`'s counter, beyond `MAX_ID`.
 */
function numbersBeyondCounting(db: SqlDatabase, expected: ExpectedSchema): string[] {
  const problems: string[] = [];
  for (const [table, columns] of expected.columns) {
    if (table.startsWith("sqlite_") || table === "__drizzle_migrations") continue;
    for (const column of columns) {
      if (!column.type.toUpperCase().includes("INT")) continue;
      const name = `${quoteName(table)}.${quoteName(column.name)}`;
      const beyond = db
        .query<{ n: number }, [number, number]>(
          `SELECT count(*) AS n FROM main.${quoteName(table)} WHERE typeof(${name}) = 'integer' AND (${name} > ? OR ${name} < ?)`,
        )
        .get(MAX_ID, -MAX_ID)?.n;
      if (beyond) problems.push(`column \`${table}.${column.name}\` holds numbers too large for BusinessApp`);
    }
  }
  if (expected.byName.has("sqlite_sequence")) {
    const counters = db
      .query<{ name: string; kind: string; seq: number }, [number]>(
        "SELECT name, typeof(seq) AS kind, seq FROM main.sqlite_sequence LIMIT ?",
      )
      .all(MAX_COUNTERS);
    for (const counter of counters) {
      if (counter.kind !== "integer" || counter.seq < 0 || counter.seq > MAX_ID)
        problems.push(
          `the AUTOINCREMENT counter of \`${counter.name}\` is not a number BusinessApp can count to`,
        );
    }
  }
  return problems;
}

/** More AUTOINCREMENT counters than tables a file may hold are not looked at (the rest is data). */
const MAX_COUNTERS = 10_000;

/** The first three problems joined by "; ", and how many more there are. */
function refusal(problems: string[]): CheckResult {
  const extra = problems.length - 3;
  const more = extra > 0 ? `; and ${extra} more ${extra === 1 ? "difference" : "differences"}` : "";
  return { ok: false, reason: `${problems.slice(0, 3).join("; ")}${more}` };
}

function namesGivenTwice(rows: SchemaRow[]): string[] {
  const byName = new Map<string, SchemaRow[]>();
  for (const row of rows) byName.set(foldName(row.name), [...(byName.get(foldName(row.name)) ?? []), row]);
  return [...byName.values()]
    .filter((same) => same.length > 1)
    .map(
      (same) =>
        `the name \`${same[0]?.name}\` is given to more than one object (${same.map((r) => r.type).join(", ")})`,
    );
}

const NOT_OURS = "is not part of BusinessApp's schema";
/** Tables SQLite itself makes and fills (`ANALYZE`): plain data, as the shop's own tables. */
const SQLITE_DATA_TABLES = new Set(["sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"]);
/** The collations SQLite has built in: any other would be code the app does not have. */
const BUILT_IN_COLLATIONS = new Set(["binary", "nocase", "rtrim"]);

/** Judges the rows of one file against the expected schema, collecting the shop's own tables. */
class Judge {
  readonly unknownTables: string[] = [];
  readonly #db: SqlDatabase;
  readonly #expected: ExpectedSchema;
  readonly #tables: Map<string, TableFacts>;
  #indexes: Map<string, IndexFacts> | null = null;
  #virtualTables = 0;
  readonly #shadowTables: string[] = [];

  constructor(db: SqlDatabase, expected: ExpectedSchema, tables: Map<string, TableFacts>) {
    this.#db = db;
    this.#expected = expected;
    this.#tables = tables;
  }

  /** Shadow tables are refused with their virtual table, said once of it; never alone. */
  shadowProblems(): string[] {
    return this.#virtualTables > 0 ? [] : this.#shadowTables;
  }

  /** Why a table that SQLite does not read as an ordinary one is refused (shadow tables: see above). */
  #notOrdinary(name: string, facts: TableFacts | undefined): string[] {
    const problem = `table \`${name}\` is a ${kindWord(facts)}, which ${NOT_OURS}`;
    if (facts?.kind === "virtual") this.#virtualTables++;
    if (facts?.kind !== "shadow") return [problem];
    this.#shadowTables.push(problem);
    return [];
  }

  /** What is wrong with one row of the file's schema. */
  row(row: SchemaRow): string[] {
    const ours = this.#expected.byName.get(foldName(row.name));
    if (ours) return sameRow(row, ours) ? [] : this.#differs(row, ours);
    const label = `${row.type} \`${row.name}\``;
    if (row.type === "table") return this.#foreignTable(row);
    if (row.type === "index") return this.#foreignIndex(row);
    return [`${label} ${NOT_OURS}`];
  }

  /** An object of the app's name that is not the app's row: the reason a person can act on. */
  #differs(row: SchemaRow, ours: SchemaRow): string[] {
    const label = `${row.type} \`${row.name}\``;
    if (row.type !== ours.type) return [`${label} ${NOT_OURS}`];
    if (row.type !== "table") return [`${label} differs from BusinessApp's`];
    const facts = this.#tables.get(foldName(row.name));
    if (facts?.kind !== "table") return this.#notOrdinary(row.name, facts);
    const wanted = this.#expected.columns.get(foldName(row.name)) ?? [];
    const found = readColumns(this.#db, row.name);
    const problems = describeColumnChanges(row.name, wanted, found);
    return problems.length > 0
      ? problems
      : [`table \`${row.name}\` is defined differently from BusinessApp's (its constraints differ)`];
  }

  #foreignTable(row: SchemaRow): string[] {
    const name = row.name;
    const facts = this.#tables.get(foldName(name));
    if (facts?.kind !== "table") return this.#notOrdinary(name, facts);
    const folded = foldName(name);
    const sqliteData = SQLITE_DATA_TABLES.has(folded);
    if (folded.startsWith("sqlite_") && !sqliteData)
      return [`table \`${name}\` has a name reserved for SQLite`];
    const problems: string[] = [];
    for (const column of readColumns(this.#db, name)) {
      if (column.hidden !== 0)
        problems.push(`table \`${name}\` has a generated column \`${column.name}\`, which ${NOT_OURS}`);
    }
    for (const key of readForeignKeys(this.#db, name)) {
      if (this.#isAppTable(key.table))
        problems.push(
          `table \`${name}\` has a foreign key to BusinessApp's table \`${key.table}\`, which ${NOT_OURS}`,
        );
    }
    if (problems.length === 0 && !sqliteData) this.unknownTables.push(name);
    return problems;
  }

  #foreignIndex(row: SchemaRow): string[] {
    const label = `index \`${row.name}\``;
    const index = this.#indexesByName().get(foldName(row.name));
    // Not an index of any ordinary table, as SQLite reads the schema.
    if (!index) return [`${label} ${NOT_OURS}`];
    if (this.#isAppTable(index.table)) return [`${label} on table \`${index.table}\` ${NOT_OURS}`];
    if (foldName(index.table) !== foldName(row.table))
      return [`${label} is stored as an index of \`${row.table}\` but is one of \`${index.table}\``];
    if (SQLITE_DATA_TABLES.has(foldName(index.table)))
      return [`${label} on table \`${index.table}\` ${NOT_OURS}`];
    if (index.partial) return [`${label} has a WHERE clause, which ${NOT_OURS}`];
    if ((row.sql === null) !== (index.origin !== "c"))
      return [`${label} differs from what its table declares`];
    for (const key of index.keys) {
      if (key.cid === -2) return [`${label} indexes an expression, which ${NOT_OURS}`];
      if (!BUILT_IN_COLLATIONS.has(foldName(key.collation)))
        return [`${label} uses the collation \`${key.collation}\`, which ${NOT_OURS}`];
    }
    return [];
  }

  #isAppTable(name: string): boolean {
    return this.#expected.byName.get(foldName(name))?.type === "table";
  }

  /** Every index of every ordinary table, as SQLite parsed them, by folded name. */
  #indexesByName(): Map<string, IndexFacts> {
    if (this.#indexes) return this.#indexes;
    this.#indexes = new Map();
    for (const table of this.#tables.values()) {
      if (table.kind !== "table") continue;
      for (const index of readIndexes(this.#db, table.name)) this.#indexes.set(foldName(index.name), index);
    }
    return this.#indexes;
  }
}

function sameRow(a: SchemaRow, b: SchemaRow): boolean {
  return a.type === b.type && a.name === b.name && a.table === b.table && a.sql === b.sql;
}

/** What SQLite's `table_list` calls a table that is not ordinary, in words. */
function kindWord(facts: TableFacts | undefined): string {
  if (facts?.kind === "virtual") return "virtual table";
  if (facts?.kind === "shadow") return "virtual table's shadow table";
  if (facts?.kind === "view") return "view";
  return "table SQLite does not read as an ordinary table";
}

/** How an app table's columns differ from the app's, column by column (empty when they are the same). */
function describeColumnChanges(
  table: string,
  wanted: ReturnType<typeof readColumns>,
  found: ReturnType<typeof readColumns>,
): string[] {
  const problems: string[] = [];
  const byName = new Map(found.map((c) => [c.name, c]));
  for (const want of wanted) {
    const have = byName.get(want.name);
    if (!have) problems.push(`table \`${table}\` lacks column \`${want.name}\``);
    else if (foldName(have.type) !== foldName(want.type))
      problems.push(
        `column \`${table}.${want.name}\` is declared ${have.type.toUpperCase() || "without a type"}, not ${want.type.toUpperCase()}`,
      );
    else if (
      have.notNull !== want.notNull ||
      have.defaultValue !== want.defaultValue ||
      have.primaryKey !== want.primaryKey ||
      have.hidden !== want.hidden
    )
      problems.push(`column \`${table}.${want.name}\` differs from BusinessApp's (not null, default or key)`);
  }
  const wantedNames = new Set(wanted.map((c) => c.name));
  for (const have of found) {
    if (!wantedNames.has(have.name))
      problems.push(
        `table \`${table}\` has a column \`${have.name}\` that is not part of BusinessApp's schema`,
      );
  }
  return problems;
}

/**
 * How many of this app's migrations the file has, or why it is not a file of this app: no
 * migration history (or one that is not an ordinary table: reading it would run its code), one
 * from a newer version, or one whose migrations are not this app's.
 */
function readMigrationCount(
  db: SqlDatabase,
  file: { rows: SchemaRow[]; tables: Map<string, TableFacts>; migrations: MigrationMeta[] },
): number | string {
  const { rows, tables, migrations: known } = file;
  const history = rows.find((row) => foldName(row.name) === "__drizzle_migrations");
  if (history?.type !== "table" || tables.get("__drizzle_migrations")?.kind !== "table") {
    const present = new Set(rows.map((row) => foldName(row.name)));
    const latest = expectedSchema(known.length, known);
    const missing = latest.rows
      .filter(
        (row) => row.type === "table" && !row.name.startsWith("sqlite_") && !present.has(foldName(row.name)),
      )
      .map((row) => row.name)
      .sort();
    if (missing.length === 0)
      return "it is not a BusinessApp database (its migration history is not a table)";
    return `it is not a BusinessApp database (no ${missing.join(", ")} table)`;
  }
  // Read only once it is the app's own table, row for row: reading a table computes its generated
  // columns, and the file's code must not run while it is judged.
  const ours = expectedSchema(known.length, known).byName.get("__drizzle_migrations");
  if (!ours || !sameRow(history, ours))
    return "its migration history is not BusinessApp's (its table differs)";
  let entries: { hash: unknown; created_at: unknown }[];
  try {
    entries = db
      .query<{ hash: unknown; created_at: unknown }, [number]>(
        'SELECT hash, created_at FROM main."__drizzle_migrations" ORDER BY created_at, rowid LIMIT ?',
      )
      .all(known.length + 1);
  } catch {
    return "it is not a BusinessApp database (its migration history cannot be read)";
  }
  if (entries.length === 0) return "it is not a BusinessApp database (its migration history is empty)";
  const newest = Math.max(...known.map((m) => m.folderMillis));
  if (entries.length > known.length || entries.some((r) => Number(r.created_at) > newest))
    return "it was made by a newer version of BusinessApp; update the app first";
  for (const [i, entry] of entries.entries()) {
    const migration = known[i];
    if (migration && (entry.hash !== migration.hash || Number(entry.created_at) !== migration.folderMillis))
      return `its migration history is not BusinessApp's (migration \`${JOURNAL_ENTRIES[i]?.tag ?? i + 1}\` differs)`;
  }
  return entries.length;
}
