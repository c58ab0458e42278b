import type { SqlDatabase } from "../types.ts";

/**
 * The URI that opens `path` read-only with `immutable`: only a URI can carry that parameter. The
 * path goes in as it is after `file:`, with the three characters a URI gives a meaning (`%`, `?`,
 * `#`) escaped: a `file://` URL would turn a network path `\\PC\share\…` into an authority SQLite
 * refuses ("invalid uri authority"). bun:sqlite and node:sqlite read it alike.
 */
export function immutableUri(path: string): string {
  const escaped = path.replaceAll("%", "%25").replaceAll("?", "%3f").replaceAll("#", "%23");
  return `file:${escaped}?immutable=1`;
}

/**
 * True when SQLite refused because another connection holds the lock it needs: bun:sqlite names
 * the code so, and so does the Deno wrapper.
 */
export function isBusyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_BUSY";
}

/**
 * Turns `trusted_schema` off on a new connection, or closes it and throws: whatever a database's
 * schema holds (a trigger, a view, a generated column, a CHECK or DEFAULT expression, a virtual
 * table) may then use only functions and virtual tables SQLite marks harmless. Every connection
 * the app opens goes through here, to its own database, a backup or a copy alike.
 */
export function distrustSchema<T extends SqlDatabase>(db: T): T {
  try {
    db.run("PRAGMA trusted_schema = OFF");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
