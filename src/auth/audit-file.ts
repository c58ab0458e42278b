import { openSqlite } from "../db/connect.ts";
import { AppError } from "../lib/errors.ts";
import type { SqlDatabase, SqlValue } from "../runtime/types.ts";

/** One row of the audit trail. */
export interface AuditEntry {
  id: number;
  at: Date;
  userId: number | null;
  /** Kept as written, so the trail still names a user who was later removed. */
  username: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "failure" | "denied";
  clientAddress: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, "id">;

/** The audit file's schema, by version (`PRAGMA user_version`); each step runs once, in order. */
const MIGRATIONS = [
  `CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    user_id INTEGER,
    username TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    client_address TEXT
  );
  CREATE INDEX audit_log_at ON audit_log (at);`,
];

const COLUMNS = "at, user_id, username, action, target, outcome, client_address";
/** The most rows one merge takes (far more than the trail keeps: `audit_max_entries`). */
const MERGE_LIMIT = 10_000_000;

type Row = {
  id: number;
  at: number;
  user_id: number | null;
  username: string | null;
  action: string;
  target: string | null;
  outcome: AuditEntry["outcome"];
  client_address: string | null;
};

const valuesOf = (e: NewAuditEntry): SqlValue[] => [
  e.at.getTime(),
  e.userId,
  e.username,
  e.action,
  e.target,
  e.outcome,
  e.clientAddress,
];

/**
 * The audit trail's own SQLite file (`business_audit.db` beside the database): a restore
 * replaces the database, never this file, so who did what is never rolled back. Opened on first
 * use (WAL, owner-only like the database), its schema made by its own migrations.
 */
export class AuditFile {
  readonly path: string;
  #db: SqlDatabase | null = null;

  constructor(path: string) {
    this.path = path;
  }

  get sqlite(): SqlDatabase {
    if (this.#db) return this.#db;
    const db = openSqlite(this.path, { create: true });
    try {
      const version = Number(
        (db.query("PRAGMA user_version").get() as { user_version: number }).user_version,
      );
      if (version > MIGRATIONS.length)
        throw new AppError("audit.too_new", `The audit trail ${this.path} was written by a newer version.`);
      db.transaction(() => {
        for (const [i, sql] of MIGRATIONS.entries()) if (i >= version) db.run(sql);
        db.run(`PRAGMA user_version = ${MIGRATIONS.length}`);
      }).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    return db;
  }

  insert(entry: NewAuditEntry): void {
    this.sqlite.run(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, valuesOf(entry));
  }

  newest(limit: number): AuditEntry[] {
    return this.sqlite
      .query<Row, [number]>(`SELECT id, ${COLUMNS} FROM audit_log ORDER BY at DESC, id DESC LIMIT ?`)
      .all(limit)
      .map((r) => ({
        id: r.id,
        at: new Date(r.at),
        userId: r.user_id,
        username: r.username,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        clientAddress: r.client_address,
      }));
  }

  count(): number {
    return Number((this.sqlite.query("SELECT count(*) AS n FROM audit_log").get() as { n: number }).n);
  }

  /** Deletes rows older than `cutoff` and the oldest beyond `maxEntries`; returns how many went. */
  prune(cutoff: Date, maxEntries: number): number {
    const db = this.sqlite;
    return db.transaction(
      () =>
        db.run("DELETE FROM audit_log WHERE at < ?", [cutoff.getTime()]).changes +
        db.run(
          "DELETE FROM audit_log WHERE id <= (SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?)",
          [maxEntries],
        ).changes,
    )();
  }

  /**
   * Moves the rows an older version kept in the database's own `audit_log` table into this file,
   * then empties that table: once after an update, and after a restore of a backup an older
   * version made. A row already here (moved before: the restored backup holds it again) is not
   * added twice. Safe at any crash: the rows are committed here before they leave the database.
   * Returns how many were added.
   */
  takeOver(database: SqlDatabase): number {
    if (!database.query("SELECT 1 FROM audit_log LIMIT 1").get()) return 0;
    const added = this.merge(database);
    database.run("DELETE FROM audit_log");
    return added;
  }

  /**
   * Adds the rows of another file's `audit_log` (an older version's database, or the trail's copy
   * brought back from off-site) that are not here yet, in their order; rows of the wrong types are
   * left out. Returns how many were added.
   */
  merge(source: SqlDatabase): number {
    const rows = source
      .query<Row, []>(
        `SELECT ${COLUMNS} FROM audit_log WHERE typeof(at) = 'integer' AND typeof(action) = 'text' AND outcome IN ('success', 'failure', 'denied') ORDER BY id LIMIT ${MERGE_LIMIT}`,
      )
      .all();
    if (rows.length === 0) return 0;
    const db = this.sqlite;
    const add = db.prepare(
      `INSERT INTO audit_log (${COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE at = ?1 AND action = ?4 AND username IS ?3 AND target IS ?5 AND outcome = ?6 AND client_address IS ?7)`,
    );
    return db.transaction(() => {
      let n = 0;
      for (const r of rows)
        n += add.run(r.at, r.user_id, r.username, r.action, r.target, r.outcome, r.client_address).changes;
      return n;
    })();
  }

  close(): void {
    const db = this.#db;
    this.#db = null;
    if (!db) return;
    try {
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
  }
}
