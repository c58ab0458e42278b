import { DatabaseClosedError } from "../../db/handle.ts";
import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import type { EngineContext } from "../context.ts";
import { BackupUnusableError } from "../errors.ts";
import { openBackupFile } from "../inspect/checks.ts";
import { foldName, quoteName } from "../inspect/schema-shape.ts";
import { checkAppSchema } from "../inspect/trust.ts";
import { BringBackError } from "./bring-back-errors.ts";
import {
  describeValues,
  type IncomingRow,
  keysTakenNow,
  missingParents,
  type TableShape,
  tableShape,
  uniqueValuesTaken,
} from "./row-rules.ts";

/** The most rows one request may bring back: the page offers a page of rows at a time. */
export const MAX_BRING_BACK_KEYS = 500;

/**
 * The app's own tables: users, sessions, the audit trail and the database's identity are the
 * app's, not the shop's data, and the bookkeeping of migrations and AUTOINCREMENT is SQLite's and
 * Drizzle's. Rows of these are never put back (password hashes, session tokens).
 */
const APP_TABLES = new Set(
  ["users", "sessions", "audit_log", "database_identity", "__drizzle_migrations", "sqlite_sequence"].map(
    foldName,
  ),
);

export interface BringBackRequest {
  /** The backup, as listed. */
  name: string;
  table: string;
  /** The primary-key values of each row, in the order of the table's key columns. */
  keys: SqlValue[][];
  /** Who asked, for the log. */
  actor: string | null;
}

export interface BringBackResult {
  name: string;
  table: string;
  /** The keys of the rows put back, in the order asked. */
  keys: SqlValue[][];
}

const refused = (...reasons: string[]) => new BringBackError("bring_back.refused", reasons);
const badKeys = (...reasons: string[]) => new BringBackError("bring_back.bad_keys", reasons);

/**
 * Puts rows of one table of a backup back into the live database: the rows `keys` name are read
 * from the backup (opened read-only and immutable once it passed the trust rule) and inserted
 * through the app's own connection in one transaction, all of them or none. Refused, with every
 * reason in words and nothing changed (`BringBackError`): an app table, more than
 * `MAX_BRING_BACK_KEYS` keys, a key not in the backup or taken now (never overwritten), a unique
 * value taken now, a reference to a row that does not exist now, a table whose columns or key
 * changed. Foreign keys stay enforced (the app's connection has them on); they are deferred to the
 * end of the transaction only so that rows put back together may point to each other. The caller
 * holds the operation lock, so no restore swaps the database meanwhile.
 */
export async function bringRowsBack(ctx: EngineContext, request: BringBackRequest): Promise<BringBackResult> {
  const keys = distinctKeys(request.keys);
  if (keys.length === 0) throw badKeys("no rows were chosen");
  if (keys.length > MAX_BRING_BACK_KEYS)
    throw badKeys(`${keys.length} rows were chosen, at most ${MAX_BRING_BACK_KEYS} go back at once`);
  if (APP_TABLES.has(foldName(request.table)))
    throw refused(`${request.table} is one of the app's own tables, whose rows are never put back`);
  ctx.folder.find(request.name);
  const live = ctx.db?.sqlite;
  if (!live) throw new DatabaseClosedError();
  const { shape, rows } = readBackupRows(ctx, request.name, request.table, keys);
  const table = liveTableFor(live, shape);
  insertAll(live, table, shape.columns, rows);
  ctx.log.info(
    `Rows put back: ${rows.length} ${rows.length === 1 ? "row" : "rows"} of ${table.name} from ${request.name}${request.actor ? ` by ${request.actor}` : ""}`,
  );
  return { name: request.name, table: table.name, keys: rows.map((r) => r.key) };
}

/** The keys without repeats (the same row chosen twice is put back once). */
function distinctKeys(keys: SqlValue[][]): SqlValue[][] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const token = JSON.stringify(key.map((v) => (v instanceof Uint8Array ? [...v] : String(v))));
    if (seen.has(token)) return false;
    seen.add(token);
    return true;
  });
}

/** The backup's table and the rows `keys` name in it; every key must be found there. */
function readBackupRows(
  ctx: EngineContext,
  name: string,
  table: string,
  keys: SqlValue[][],
): { shape: TableShape; rows: IncomingRow[] } {
  const path = ctx.folder.pathOf(name);
  const trust = checkAppSchema(path);
  if (!trust.ok) throw new BackupUnusableError(name, trust.reason ?? "it failed the check");
  const db = openBackupFile(path);
  try {
    const shape = tableShape(db, table);
    if (!shape) throw badKeys(`the backup has no table ${table}`);
    if (shape.key.length === 0)
      throw refused(`${shape.name} has no primary key, so its rows cannot be told apart to put back`);
    const wrong = keys.find((k) => k.length !== shape.key.length);
    if (wrong)
      throw badKeys(`${describeValues(wrong)} is not a key of ${shape.name} (${shape.key.join(", ")})`);
    const select = db.prepare(
      `SELECT ${shape.columns.map(quoteName).join(", ")} FROM ${quoteName(shape.name)} WHERE ${shape.key
        .map((c) => `${quoteName(c)} = ?`)
        .join(" AND ")}`,
    );
    const rows: IncomingRow[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const values = select.values(...key)[0];
      if (values) rows.push({ key, values });
      else missing.push(`${shape.name} ${describeValues(key)} is not in the backup`);
    }
    if (missing.length > 0) throw badKeys(...missing);
    return { shape, rows };
  } finally {
    db.close();
  }
}

/** The live table the backup's rows go into: there now, with every column they have and the same key. */
function liveTableFor(live: SqlDatabase, shape: TableShape): TableShape {
  const table = tableShape(live, shape.name);
  if (!table) throw refused(`there is no table ${shape.name} now`);
  const now = new Set(table.columns.map(foldName));
  const gone = shape.columns.filter((c) => !now.has(foldName(c)));
  if (gone.length > 0)
    throw refused(
      `${table.name} has no column ${gone.join(", ")} now, so its rows cannot go back as they were`,
    );
  if (table.key.map(foldName).join("\0") !== shape.key.map(foldName).join("\0"))
    throw refused(
      `the key of ${table.name} is (${table.key.join(", ")}) now, not (${shape.key.join(", ")}) as in the backup`,
    );
  return table;
}

/**
 * Inserts the rows in one transaction, all of them or none: what would be refused is looked for
 * first (keys and unique values taken now) and after the inserts (references), each said in words;
 * SQLite's own refusal of anything else (a CHECK, NOT NULL) rolls everything back too. The whole
 * transaction runs without an await, so no other use of the connection comes between.
 */
function insertAll(live: SqlDatabase, table: TableShape, columns: string[], rows: IncomingRow[]): void {
  live.run("BEGIN IMMEDIATE");
  try {
    // A row whose key is taken is said once, as such, not again for its unique values.
    const { taken, reasons } = keysTakenNow(live, table, rows);
    const free = rows.filter((row) => !taken.has(row));
    const before = [...reasons, ...uniqueValuesTaken(live, { table, columns, rows: free })];
    if (before.length > 0) throw refused(...before);
    // Deferred to the commit, never off: rows put back together may point to each other.
    live.run("PRAGMA defer_foreign_keys = ON");
    const insert = live.prepare(
      `INSERT INTO ${quoteName(table.name)} (${columns.map(quoteName).join(", ")}) VALUES (${columns
        .map(() => "?")
        .join(", ")})`,
    );
    for (const row of rows) {
      try {
        insert.run(...row.values);
      } catch (error) {
        throw constraintRefusal(error, `${table.name} ${describeValues(row.key)}`);
      }
    }
    const after = missingParents(live, { table, columns, rows });
    if (after.length > 0) throw refused(...after);
    try {
      live.run("COMMIT");
    } catch (error) {
      throw constraintRefusal(error, table.name);
    }
  } catch (error) {
    try {
      live.run("ROLLBACK");
    } catch {
      // Already rolled back by SQLite itself.
    }
    throw error;
  }
}

/** SQLite refused a row for a constraint: said with SQLite's own words; any other error as it is. */
function constraintRefusal(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT"))
    return refused(`SQLite refused ${what} (${(error as Error).message})`);
  return error;
}
