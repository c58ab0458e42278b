import { DatabaseClosedError } from "../../db/handle.ts";
import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import type { EngineContext } from "../context.ts";
import { openBackupFile } from "../inspect/checks.ts";
import { foldName, quoteName } from "../inspect/schema-shape.ts";
import { BringBackError } from "./bring-back-errors.ts";
import { noKeyRefused } from "./errors.ts";
import { openForLook, shopTable } from "./gate.ts";
import {
  describeValues,
  type IncomingRow,
  type KeyedShape,
  keysTakenNow,
  missingParents,
  uniqueValuesTaken,
} from "./row-rules.ts";
import { findShape, readShapes } from "./tables.ts";

/** The most rows one request may bring back: the page offers a page of rows at a time. */
export const MAX_BRING_BACK_KEYS = 500;

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
 * Puts rows of one table of a backup back into the live database: the backup passes the same gate
 * as looking inside it (`openForLook`: listed, verified, the trust rule), the rows `keys` name are
 * read from it (opened read-only and immutable) and inserted through the app's own connection in
 * one transaction, all of them or none. Refused, with nothing changed: one of the app's own tables
 * (`look.app_table`, as the trust rule tells them from the shop's), a table without a primary key
 * (`look.no_key`); with every reason in words (`BringBackError`): more than `MAX_BRING_BACK_KEYS`
 * keys, a key not in the backup or taken now (never overwritten), a unique value taken now, a
 * reference to a row that does not exist now, a table whose columns or key changed. Foreign keys
 * stay enforced (the app's connection has them on); they are deferred to the end of the
 * transaction only so that rows put back together may point to each other. The caller holds the
 * operation lock, so no restore swaps the database meanwhile.
 */
export async function bringRowsBack(ctx: EngineContext, request: BringBackRequest): Promise<BringBackResult> {
  const keys = distinctKeys(request.keys);
  if (keys.length === 0) throw badKeys("no rows were chosen");
  if (keys.length > MAX_BRING_BACK_KEYS)
    throw badKeys(`${keys.length} rows were chosen, at most ${MAX_BRING_BACK_KEYS} go back at once`);
  const { folder } = ctx;
  const look = {
    database: ctx.database,
    find: (n: string) => folder.find(n),
    pathOf: (n: string) => folder.pathOf(n),
  };
  const opened = await openForLook(look, request.name);
  const shape = shopTable(opened, request.table);
  if (!shape.key) throw noKeyRefused(shape.name);
  const keyed = { ...shape, key: shape.key };
  const live = ctx.db?.sqlite;
  if (!live) throw new DatabaseClosedError();
  const rows = readBackupRows(opened.path, keyed, keys);
  const table = liveTableFor(live, keyed);
  insertAll(live, table, keyed.columns, rows);
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

/** The rows `keys` name in the backup's table; every key must be found there. */
function readBackupRows(path: string, shape: KeyedShape, keys: SqlValue[][]): IncomingRow[] {
  const wrong = keys.find((k) => k.length !== shape.key.length);
  if (wrong)
    throw badKeys(`${describeValues(wrong)} is not a key of ${shape.name} (${shape.key.join(", ")})`);
  const db = openBackupFile(path);
  try {
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
    return rows;
  } finally {
    db.close();
  }
}

/** The live table the backup's rows go into: there now, with every column they have and the same key. */
function liveTableFor(live: SqlDatabase, shape: KeyedShape): KeyedShape {
  const table = findShape(readShapes(live), shape.name);
  if (!table) throw refused(`there is no table ${shape.name} now`);
  const now = new Set(table.columns.map(foldName));
  const gone = shape.columns.filter((c) => !now.has(foldName(c)));
  if (gone.length > 0)
    throw refused(
      `${table.name} has no column ${gone.join(", ")} now, so its rows cannot go back as they were`,
    );
  const key = table.key ?? [];
  if (key.map(foldName).join("\0") !== shape.key.map(foldName).join("\0"))
    throw refused(
      `the key of ${table.name} is (${key.join(", ")}) now, not (${shape.key.join(", ")}) as in the backup`,
    );
  return { ...table, key };
}

/**
 * Inserts the rows in one transaction, all of them or none: what would be refused is looked for
 * first (keys and unique values taken now) and after the inserts (references), each said in words;
 * SQLite's own refusal of anything else (a CHECK, NOT NULL) rolls everything back too. The whole
 * transaction runs without an await, so no other use of the connection comes between.
 */
function insertAll(live: SqlDatabase, table: KeyedShape, columns: string[], rows: IncomingRow[]): void {
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
