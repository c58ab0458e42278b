import { statSync } from "node:fs";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../db/migrations.ts";
import { describeError } from "../../lib/errors.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { numbersBeyondCounting, readMigrationCount } from "./app-tables.ts";
import { type CheckResult, checkFileShape, findDamage, openBackupFile } from "./checks.ts";
import { Judge } from "./schema-judge.ts";
import { expectedSchema, foldName, readSchemaRows, readTableList, type SchemaRow } from "./schema-shape.ts";

/**
 * Lets SQLite read the file `db` has open through a memory map of all of it rather than a read
 * per page: its `integrity_check` runs two to three times as fast. Only for a file this process
 * made and nobody else writes (one cut short under a map ends the process), never a file from
 * elsewhere. What the map holds is the system's file cache, shared and given back under pressure,
 * not memory of the app's own.
 */
export function mapWhole(db: SqlDatabase, path: string): void {
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

export function checkShapeAndSchema(path: string, then: (db: SqlDatabase) => string | null): CheckResult {
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
