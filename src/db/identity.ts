import type { SqlDatabase } from "../runtime/types.ts";

/**
 * The identity of a database (`database_identity`, one row): made when the database is created,
 * kept inside it, so a backup can say which database its data is of. Read only through queries;
 * a database without the table (an older version's, a foreign file) has none.
 */

/** The table holding it: bookkeeping, not the shop's data, so left out of every row count. */
export const IDENTITY_TABLE = "database_identity";

/** The identity `db` holds, or null (no table yet, or no row). */
export function readIdentity(db: SqlDatabase, schema = "main"): string | null {
  try {
    const row = db
      .query<{ id: unknown }, []>(`SELECT id FROM "${schema}".database_identity ORDER BY rowid LIMIT 1`)
      .get();
    return typeof row?.id === "string" ? row.id : null;
  } catch {
    return null;
  }
}

/**
 * The identity of the app's own database, made now when it has none: `adopt` when given (a
 * database restored from a backup an older version made is the same database it replaced),
 * otherwise a new one. Call it on the migrated connection.
 */
export function ensureIdentity(db: SqlDatabase, now: Date, adopt: string | null = null): string {
  const known = readIdentity(db);
  if (known) return known;
  const id = adopt ?? crypto.randomUUID();
  db.run("INSERT INTO database_identity (id, created_at) VALUES (?, ?)", [id, now.getTime()]);
  return id;
}
