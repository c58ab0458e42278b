import { immutableUri } from "#runtime/sqlite.ts";
import { DatabaseClosedError } from "../../db/handle.ts";
import type { SqlDatabase, SqlValue } from "../../runtime/types.ts";
import type { EngineContext } from "../context.ts";
import { foldName, quoteName } from "../inspect/schema-shape.ts";
import { BringBackError } from "./bring-back-errors.ts";
import { noKeyRefused } from "./errors.ts";
import { sameFile } from "./file-key.ts";
import { openForLook, shopTable } from "./gate.ts";
import {
  describeValues,
  type IncomingRow,
  type KeyedShape,
  keysTakenNow,
  missingParents,
  uniqueValuesTaken,
} from "./row-rules.ts";
import { columnList, findShape, readShapes, tableRef } from "./tables.ts";
import { valuesToken } from "./values.ts";

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

/** The name the backup is attached under on the app's connection while its rows go back. */
const SOURCE = "put_back_source";

/**
 * Puts rows of one table of a backup back into the live database: the backup passes the same gate
 * as looking inside it (`openForLook`: listed, verified, the trust rule), the rows `keys` name are
 * copied from it (attached read-only and immutable, `withBackupAttached`) by the app's own
 * connection in one transaction, all of them or none, each value exactly as stored. Refused, with
 * nothing changed: one of the app's own tables (`look.app_table`, as the trust rule tells them
 * from the shop's), a table without a primary key (`look.no_key`), a file that changed since it
 * was judged (`look.changed`); with every reason in words (`BringBackError`): more than
 * `MAX_BRING_BACK_KEYS` keys, a key not in the backup or taken now (never overwritten), a unique
 * value taken now, a reference to a row that does not exist now, a table whose columns or key
 * changed. Integers are compared as bigint (exact beyond 2^53). Foreign keys
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
  const wrong = keys.find((k) => k.length !== keyed.key.length);
  if (wrong)
    throw badKeys(`${describeValues(wrong)} is not a key of ${keyed.name} (${keyed.key.join(", ")})`);
  const live = ctx.db?.sqlite;
  if (!live) throw new DatabaseClosedError();
  const table = liveTableFor(live, keyed);
  const put = withBackupAttached(live, opened, () => insertAll(live, { table, backup: keyed }, keys));
  ctx.log.info(
    `Rows put back: ${put.length} ${put.length === 1 ? "row" : "rows"} of ${table.name} from ${request.name}${request.actor ? ` by ${request.actor}` : ""}`,
  );
  return { name: request.name, table: table.name, keys: put };
}

/** The keys without repeats (the same key asked twice is put back once). */
function distinctKeys(keys: SqlValue[][]): SqlValue[][] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const token = valuesToken(key);
    if (seen.has(token)) return false;
    seen.add(token);
    return true;
  });
}

/**
 * Runs `fn` with the judged backup attached to the app's connection as `SOURCE`, read-only and
 * immutable (`trusted_schema` is off on every connection the app opens), once the file is proven
 * the one the trust rule judged; detached afterwards, whatever happened. The rows go from the
 * backup's file into the live one inside SQLite (`INSERT … SELECT`), never through JavaScript's
 * values: an integer beyond 2^53, a REAL that is a whole number or -0.0, text and blobs arrive
 * as they were stored. ATTACH and DETACH are refused inside a transaction, so they wrap it.
 */
function withBackupAttached<T>(live: SqlDatabase, backup: { path: string; fileKey: string }, fn: () => T): T {
  live.run(`ATTACH DATABASE ? AS ${SOURCE}`, [immutableUri(backup.path)]);
  let result: T;
  try {
    sameFile(backup);
    result = fn();
  } catch (error) {
    try {
      detach(live);
    } catch {
      // The first failure is the one to tell; the next ATTACH would say this one.
    }
    throw error;
  }
  detach(live);
  return result;
}

function detach(live: SqlDatabase): void {
  live.run(`DETACH DATABASE ${SOURCE}`);
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
 * Puts the rows `keys` name back in one transaction, all of them or none, and answers the keys
 * put back (in the order asked, one per row: two keys naming the same row are one). The rows are
 * read from the attached backup (integers as bigint, exact) for what would be refused, looked for
 * first (keys and unique values taken now) and after the inserts (references), each said in
 * words; SQLite's own refusal of anything else (a CHECK, NOT NULL) rolls everything back too. The
 * whole transaction runs without an await, so no other use of the connection comes between.
 */
function insertAll(
  live: SqlDatabase,
  tables: { table: KeyedShape; backup: KeyedShape },
  keys: SqlValue[][],
): SqlValue[][] {
  const { table, backup } = tables;
  const { columns } = backup;
  live.run("BEGIN IMMEDIATE");
  try {
    const rows = readBackupRows(live, backup, keys);
    // A row whose key is taken is said once, as such, not again for its unique values.
    const { taken, reasons } = keysTakenNow(live, table, rows);
    const free = rows.filter((row) => !taken.has(row));
    const before = [...reasons, ...uniqueValuesTaken(live, { table, columns, rows: free })];
    if (before.length > 0) throw refused(...before);
    // Deferred to the commit, never off: rows put back together may point to each other.
    live.run("PRAGMA defer_foreign_keys = ON");
    const list = columns.map(quoteName).join(", ");
    const insert = live.prepare(
      `INSERT INTO ${tableRef("main", table.name)} (${list}) SELECT ${list} FROM ${tableRef(SOURCE, backup.name)} WHERE ${keyMatch(backup.key)}`,
    );
    for (const row of rows) {
      let changes: number;
      try {
        changes = insert.run(...row.asked).changes;
      } catch (error) {
        throw constraintRefusal(error, `${table.name} ${describeValues(row.key)}`);
      }
      // Read a moment ago in this transaction from a file nothing writes: found again, once.
      if (changes !== 1)
        throw new Error(`${table.name} ${describeValues(row.key)} was not read again from the backup`);
    }
    const after = missingParents(live, { table, columns, rows });
    if (after.length > 0) throw refused(...after);
    try {
      live.run("COMMIT");
    } catch (error) {
      throw constraintRefusal(error, table.name);
    }
    return rows.map((row) => row.asked);
  } catch (error) {
    try {
      live.run("ROLLBACK");
    } catch {
      // Already rolled back by SQLite itself.
    }
    throw error;
  }
}

/** A backup's row on its way back, with the key it was asked by. */
type AskedRow = IncomingRow & { asked: SqlValue[] };

/**
 * The rows `keys` name in the attached backup's table, integers as bigint; every key must be found
 * there. Keys that name the same row (`17` and `"17"` in an INTEGER column) give it once.
 */
function readBackupRows(live: SqlDatabase, shape: KeyedShape, keys: SqlValue[][]): AskedRow[] {
  const keyAt = shape.key.map((k) => shape.columns.findIndex((c) => foldName(c) === foldName(k)));
  const select = live
    .prepare(
      `SELECT ${columnList(shape.columns)} FROM ${tableRef(SOURCE, shape.name)} WHERE ${keyMatch(shape.key)}`,
    )
    .safeIntegers(true);
  const rows: AskedRow[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const asked of keys) {
    const values = select.values(...asked)[0];
    if (!values) {
      missing.push(`${shape.name} ${describeValues(asked)} is not in the backup`);
      continue;
    }
    const key = keyAt.map((i) => values[i] ?? null);
    const token = valuesToken(key);
    if (seen.has(token)) continue;
    seen.add(token);
    rows.push({ key, values, asked });
  }
  if (missing.length > 0) throw badKeys(...missing);
  return rows;
}

const keyMatch = (key: string[]) => key.map((c) => `${quoteName(c)} = ?`).join(" AND ");

/** SQLite refused a row for a constraint: said with SQLite's own words; any other error as it is. */
function constraintRefusal(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT"))
    return refused(`SQLite refused ${what} (${(error as Error).message})`);
  return error;
}
