import type { MigrationMeta } from "drizzle-orm/migrator";
import { JOURNAL_ENTRIES } from "../../db/migrations.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import {
  type ExpectedSchema,
  expectedSchema,
  foldName,
  quoteName,
  type SchemaRow,
  sameRow,
  type TableFacts,
} from "./schema-shape.ts";

/**
 * What the app's own tables in a file hold, for the trust rule (`checkSchemaTrust` in
 * `trust.ts`): its migration history, read only once that table is the app's own row for row,
 * and whole numbers the app cannot count, looked for only once the whole schema is proven the
 * app's (reading a table computes its generated columns: the file's code must not run).
 */

/**
 * The largest id the app's tables may hold: JavaScript counts exactly only up to 2^53, and ids
 * beyond it (or an AUTOINCREMENT counter set there) would give two users the same id in the app.
 */
const MAX_ID = Number.MAX_SAFE_INTEGER - 2 ** 20;

/**
 * What in the app's own tables (already proven the app's shape) holds a whole number the app cannot
 * count exactly: an integer column's value, or `sqlite_sequence`'s counter, beyond `MAX_ID`.
 */
export function numbersBeyondCounting(db: SqlDatabase, expected: ExpectedSchema): string[] {
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

/**
 * How many of this app's migrations the file has, or why it is not a file of this app: no
 * migration history (or one that is not an ordinary table: reading it would run its code), one
 * from a newer version, or one whose migrations are not this app's.
 */
export function readMigrationCount(
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
