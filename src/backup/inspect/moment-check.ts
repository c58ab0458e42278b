import { describeError } from "../../lib/errors.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { type CheckResult, findDamage, openBackupFile } from "./checks.ts";
import { checkShapeAndSchema, mapWhole } from "./trust.ts";

/**
 * The full check of a database rebuilt for a moment of continuous protection, from a base that
 * passed the full check, done in two parts (two threads) that together are SQLite's complete
 * `integrity_check` — in seconds where the whole check of a large file takes ten times as long:
 *
 * - `checkMomentWhole`: the file's shape and the trust rule, as for any file, then `quick_check`
 *   of all of it: every b-tree's structure, every page used once, the free list, each index's
 *   count of entries, every row's NOT NULL, CHECK and type rules. That is everything
 *   `integrity_check` does except comparing each index with its table row by row (the entry for
 *   each row, UNIQUE, the order of a WITHOUT ROWID table's keys).
 * - `checkMomentTables`: that comparison, `integrity_check(T)`, for each table T whose b-tree or
 *   one of whose indexes' b-trees holds a page the chain wrote since its base (SQLite's `dbstat`
 *   names the b-tree of every page). Any other table's b-trees are the base's, page for page:
 *   its root pages are the base's (`sqlite_schema` is the base's, row for row, or the complete
 *   check runs instead) and, by induction from the root, a b-tree none of whose pages was
 *   written reaches only pages that are byte for byte the base's. The comparison found nothing
 *   there in the base, so it finds nothing there now.
 *
 * The caller proves the file's state is the one the chain recorded (no page it did not write
 * differs from the base's) and that the base passed the full check.
 */

/** Past this share of the file's pages written, the complete check is as quick: it runs instead. */
const MOST_PAGES = 0.5;

/** The shape, the trust rule and `quick_check` of the rebuilt moment at `path` (made by this process: mapped). */
export function checkMomentWhole(path: string): CheckResult {
  return checkShapeAndSchema(path, (db) => {
    mapWhole(db, path);
    const damage = findDamage(db, { full: false });
    return damage === null ? null : `SQLite found damage: ${damage}`;
  });
}

/**
 * Each index compared with its table (`integrity_check(T)`) for the tables holding a page of
 * `written` in the moment at `path`, with why the file is not healthy (null: nothing found; as
 * `checkRestorable` words it), and the tables compared. Null instead when only the complete check can tell — the moment's
 * `sqlite_schema` is not the base's (at `base`), most pages were written, or a page's b-tree
 * cannot be named — which the caller runs after the trust rule (never before it: the complete
 * check runs a virtual table's code).
 */
export function checkMomentTables(
  path: string,
  base: string,
  written: Uint32Array,
): { reason: string | null; tables: string[] } | null {
  let db: SqlDatabase | null = null;
  try {
    let tables: string[] | null;
    try {
      db = openBackupFile(path);
      mapWhole(db, path);
      tables = tablesWritten(db, base, written);
    } catch {
      // Not knowing which tables to compare (the base unreadable, `dbstat` missing in this
      // runtime's SQLite, too many pages to list) is no finding: the complete check tells.
      tables = null;
    }
    if (tables === null || db === null) return null;
    const findings: string[] = [];
    for (const table of tables) {
      const messages = db
        .prepare(`PRAGMA integrity_check(${quoteName(table)})`)
        .values()
        .map((r) => String(r[0]));
      if (!(messages.length === 1 && messages[0] === "ok")) findings.push(...messages);
    }
    return {
      reason: findings.length === 0 ? null : `SQLite found damage: ${findings.slice(0, 3).join("; ")}`,
      tables,
    };
  } catch (error) {
    // What SQLite cannot read while comparing is damage, as in the complete check.
    return { reason: `SQLite cannot read it (${describeError(error)})`, tables: [] };
  } finally {
    db?.close();
  }
}

/** `sqlite_schema` as SQLite reads it, row for row (in the order of names: where a row is stored does not count). */
function schemaRows(db: SqlDatabase): string {
  return JSON.stringify(
    db.query("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY name, type").values(),
  );
}

/**
 * The tables whose b-trees (their own or an index's) hold a page of `written`, by name, or null
 * when only the complete check can tell: the schema differs from the base's, most pages were
 * written, or `dbstat` names a b-tree the schema does not hold.
 */
function tablesWritten(db: SqlDatabase, base: string, written: Uint32Array): string[] | null {
  const pages = Number((db.query("PRAGMA page_count").values()[0] ?? [0])[0]);
  if (written.length > pages * MOST_PAGES) return null;
  const baseDb = openBackupFile(base);
  try {
    if (schemaRows(baseDb) !== schemaRows(db)) return null;
  } finally {
    baseDb.close();
  }
  // Only ordinary tables are compared here (the trust rule, in the other thread, admits no other):
  // what names a virtual or shadow table goes to the complete check, after the trust rule.
  const ordinary = new Set(
    db
      .query("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
      .values()
      .map((r) => String(r[0])),
  );
  const tableOf = new Map<string, string>();
  for (const [type, name, table] of db.query("SELECT type, name, tbl_name FROM sqlite_schema").values())
    if (type === "table" || type === "index") tableOf.set(String(name), String(table));
  const names = db
    .query("SELECT DISTINCT name FROM dbstat WHERE pageno IN (SELECT value FROM json_each(?))")
    .values(JSON.stringify([...written]))
    .map((r) => String(r[0]));
  const tables = new Set<string>();
  for (const name of names) {
    // The schema's own b-tree: its rows were compared with the base's above.
    if (name === "sqlite_schema" || name === "sqlite_master") continue;
    const table = tableOf.get(name);
    // A name `integrity_check(N)` would take as a count of errors cannot name a table there.
    if (table === undefined || !ordinary.has(table) || /^\s*[+-]?\d/.test(table)) return null;
    tables.add(table);
  }
  return [...tables].sort();
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
