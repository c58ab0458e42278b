import { embeddedMigrations, JOURNAL_ENTRIES, LATEST_MIGRATION_MILLIS } from "../db/migrations.ts";
import { describeError } from "../lib/errors.ts";
import type { SqlDatabase } from "../runtime/types.ts";
import { type CheckResult, checkFile, openBackupFile } from "./checks.ts";
import {
  type ExpectedSchema,
  expectedSchema,
  normalizeSql,
  readSchemaObjects,
  readTableDetail,
  type SchemaObject,
  type TableDetail,
} from "./schema-shape.ts";

/**
 * The trust rule (`checkSchemaTrust`) on a file: it holds this app's schema as its migrations
 * make it, made by this version or an older one, with nothing in it that could run code.
 */
export function checkAppSchema(path: string): CheckResult {
  let db: SqlDatabase | null = null;
  try {
    db = openBackupFile(path);
    return checkSchemaTrust(db);
  } catch (error) {
    return { ok: false, reason: `SQLite cannot read it (${describeError(error)})` };
  } finally {
    db?.close();
  }
}

/** The full check a backup must pass before it may replace the database: SQLite's, then the trust rule. */
export function checkRestorable(path: string): CheckResult {
  const file = checkFile(path, { full: true });
  if (!file.ok) return file;
  return checkAppSchema(path);
}

/**
 * The trust rule for backup files: a backup is data, never code. Its schema must be the one this
 * app's migrations make, up to the file's own migration count:
 * - every trigger and view is one the migrations create, with the same SQL (a trigger runs on the
 *   live connection after a restore, e.g. to bring back a deleted session or an old password);
 * - the app's tables have the same columns, foreign keys, constraints and indexes, so the app
 *   works on the restored file;
 * - no virtual table (its module's code runs on every read);
 * - the migration history is this app's (same hashes); one from a newer version is refused;
 * - tables the app does not know (the shop's own data) are plain data: kept, and named in the
 *   result's `unknownTables`, with whatever indexes they have.
 * `db` must be opened read-only with `trusted_schema=OFF`: nothing in the file runs while it is judged.
 */
export function checkSchemaTrust(db: SqlDatabase): CheckResult {
  const objects = readSchemaObjects(db);
  const history = readMigrationCount(db, objects);
  if (typeof history === "string") return { ok: false, reason: history };
  const expected = expectedSchema(history);
  const problems: string[] = [];
  const unknownTables: string[] = [];
  for (const object of objects.values()) {
    if (object.type === "table" && isUnknownTable(object, expected)) unknownTables.push(object.name);
    else problems.push(...judgeObject(db, object, expected));
  }
  for (const object of expected.objects.values()) {
    if (!objects.has(object.name) && object.sql !== null)
      problems.push(`${object.type} \`${object.name}\` is missing`);
  }
  if (problems.length === 0) return { ok: true, reason: null, unknownTables };
  const extra = problems.length - 3;
  const more = extra > 0 ? `; and ${extra} more ${extra === 1 ? "difference" : "differences"}` : "";
  return { ok: false, reason: `${problems.slice(0, 3).join("; ")}${more}` };
}

const NOT_OURS = "is not part of BusinessApp's schema";
const VIRTUAL = /^\s*CREATE\s+VIRTUAL\s+TABLE/i;
/** Tables SQLite itself makes (AUTOINCREMENT, ANALYZE): plain data, whatever the migrations did. */
const SQLITE_OWN_TABLE = /^sqlite_(sequence|stat\d)$/;

function isUnknownTable(object: SchemaObject, expected: ExpectedSchema): boolean {
  return (
    !expected.objects.has(object.name) &&
    !object.name.toLowerCase().startsWith("sqlite_") &&
    !VIRTUAL.test(object.sql ?? "")
  );
}

/** What is wrong with one object of the file that is not an unknown plain table. */
function judgeObject(db: SqlDatabase, object: SchemaObject, expected: ExpectedSchema): string[] {
  const ours = expected.objects.get(object.name);
  const label = `${object.type} \`${object.name}\``;
  switch (object.type) {
    case "trigger":
    case "view":
      if (!ours || ours.type !== object.type) return [`${label} ${NOT_OURS}`];
      return ours.sql === object.sql && ours.table === object.table
        ? []
        : [`${label} differs from BusinessApp's`];
    case "table": {
      if (VIRTUAL.test(object.sql ?? ""))
        return [`table \`${object.name}\` is a virtual table, which ${NOT_OURS}`];
      if (SQLITE_OWN_TABLE.test(object.name)) return [];
      const detail = expected.tables.get(object.name);
      // Not unknown, not SQLite's own, not the app's: a name only SQLite may give.
      if (!ours || !detail) return [`table \`${object.name}\` has a name reserved for SQLite`];
      return compareTable(db, object, ours, detail);
    }
    case "index":
      if (ours?.type === "index") {
        const same = ours.table === object.table && normalizeSql(ours.sql) === normalizeSql(object.sql);
        return same ? [] : [`${label} differs from BusinessApp's`];
      }
      // Indexes of the shop's own tables are its own business; one on an app table changes the app's.
      return expected.tables.has(object.table) ? [`${label} on table \`${object.table}\` ${NOT_OURS}`] : [];
    default:
      return [`${label} ${NOT_OURS}`];
  }
}

function compareTable(
  db: SqlDatabase,
  object: SchemaObject,
  ours: SchemaObject,
  detail: TableDetail,
): string[] {
  const table = object.name;
  const found = readTableDetail(db, table);
  const problems: string[] = [];
  const byName = new Map(found.columns.map((c) => [c.name, c]));
  for (const want of detail.columns) {
    const have = byName.get(want.name);
    if (!have) problems.push(`table \`${table}\` lacks column \`${want.name}\``);
    else if (have.type !== want.type)
      problems.push(
        `column \`${table}.${want.name}\` is declared ${have.type || "without a type"}, not ${want.type}`,
      );
    else if (
      have.notNull !== want.notNull ||
      have.defaultValue !== want.defaultValue ||
      have.primaryKey !== want.primaryKey ||
      have.hidden !== want.hidden
    )
      problems.push(`column \`${table}.${want.name}\` differs from BusinessApp's (not null, default or key)`);
  }
  const wanted = new Set(detail.columns.map((c) => c.name));
  for (const have of found.columns) {
    if (!wanted.has(have.name))
      problems.push(`table \`${table}\` has a column \`${have.name}\` that ${NOT_OURS}`);
  }
  if (found.foreignKeys.join("\n") !== detail.foreignKeys.join("\n"))
    problems.push(`table \`${table}\` has other foreign keys than BusinessApp's`);
  // Whatever the pragmas do not show (CHECK, COLLATE, UNIQUE, column order) is in the statement.
  if (problems.length === 0 && normalizeSql(object.sql) !== normalizeSql(ours.sql))
    problems.push(`table \`${table}\` is defined differently from BusinessApp's (its constraints differ)`);
  return problems;
}

/**
 * How many of this app's migrations the file has, or why it is not a file of this app: no
 * migration history, one from a newer version, or one whose migrations are not this app's.
 */
function readMigrationCount(db: SqlDatabase, objects: Map<string, SchemaObject>): number | string {
  if (objects.get("__drizzle_migrations")?.type !== "table") {
    const latest = expectedSchema(JOURNAL_ENTRIES.length);
    const missing = [...latest.tables.keys()].filter((t) => !t.startsWith("sqlite_") && !objects.has(t));
    return `it is not a BusinessApp database (no ${missing.join(", ")} table)`;
  }
  let rows: { hash: unknown; created_at: unknown }[];
  try {
    rows = db
      .query<{ hash: unknown; created_at: unknown }, []>(
        'SELECT hash, created_at FROM "__drizzle_migrations" ORDER BY created_at, rowid',
      )
      .all();
  } catch {
    return "it is not a BusinessApp database (its migration history cannot be read)";
  }
  if (rows.length === 0) return "it is not a BusinessApp database (its migration history is empty)";
  const known = embeddedMigrations();
  if (rows.length > known.length || rows.some((r) => Number(r.created_at) > LATEST_MIGRATION_MILLIS))
    return "it was made by a newer version of BusinessApp; update the app first";
  for (const [i, row] of rows.entries()) {
    const migration = known[i];
    if (migration && (row.hash !== migration.hash || Number(row.created_at) !== migration.folderMillis))
      return `its migration history is not BusinessApp's (migration \`${JOURNAL_ENTRIES[i]?.tag}\` differs)`;
  }
  return rows.length;
}
