import type { SqlDatabase } from "../../runtime/types.ts";
import {
  type ExpectedSchema,
  foldName,
  type IndexFacts,
  readColumns,
  readForeignKeys,
  readIndexes,
  type SchemaRow,
  sameRow,
  type TableFacts,
} from "./schema-shape.ts";

/**
 * The trust rule's judgement of a file's schema, row by row (`checkSchemaTrust` in `trust.ts`):
 * a row bearing a name of the app's schema must be the app's row exactly; beyond it only the
 * shop's own ordinary tables and plain indexes on them pass. Each problem is said in words a
 * person can act on.
 */

const NOT_OURS = "is not part of BusinessApp's schema";
/** Tables SQLite itself makes and fills (`ANALYZE`): plain data, as the shop's own tables. */
const SQLITE_DATA_TABLES = new Set(["sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"]);
/** The collations SQLite has built in: any other would be code the app does not have. */
const BUILT_IN_COLLATIONS = new Set(["binary", "nocase", "rtrim"]);

/** Judges the rows of one file against the expected schema, collecting the shop's own tables. */
export class Judge {
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
