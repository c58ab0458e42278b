import type { MigrationMeta } from "drizzle-orm/migrator";
import { openSqlite } from "../../db/connect.ts";
import { createOrm, migrate } from "../../db/open.ts";
import { describeError } from "../../lib/errors.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { countRowsIn, findDamage } from "./checks.ts";
import { checkAppSchema } from "./trust.ts";
import type { DrillFileResult } from "./worker-protocol.ts";

/**
 * A restore drill's copy of a backup, treated as a restore treats the file it puts in place:
 * judged by the trust rule first (nothing in it may run when it is opened), then opened as the
 * app opens its database, with `migrations` run forward, then SQLite's complete
 * `integrity_check` and the rows of every table counted. Only the copy is written (the
 * migrations, its -wal); runs in the worker.
 */
export function checkDrillCopy(path: string, migrations: MigrationMeta[]): DrillFileResult {
  const trust = checkAppSchema(path);
  if (!trust.ok) return { ok: false, reason: trust.reason, rowCounts: null };
  let db: SqlDatabase | null = null;
  try {
    db = openSqlite(path, { create: false });
    migrate(createOrm(db), migrations);
    const damage = findDamage(db, { full: true });
    if (damage !== null) return { ok: false, reason: `SQLite found damage: ${damage}`, rowCounts: null };
    const rowCounts = Object.fromEntries(countRowsIn(db).map((t) => [t.name, t.rows]));
    return { ok: true, reason: null, rowCounts };
  } catch (error) {
    return {
      ok: false,
      reason: `it would not open as the database (${describeError(error)})`,
      rowCounts: null,
    };
  } finally {
    db?.close();
  }
}
