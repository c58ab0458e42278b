import type { Database } from "bun:sqlite";
import { AppError } from "../lib/errors.ts";
import { createOrm, migrate, type Orm, openSqlite } from "./open.ts";

export class DatabaseClosedError extends AppError {
  constructor() {
    super("db.closed", "The database is not open right now.");
  }
}

/**
 * The one owner of the app's connection to the main database. Everything else asks it for the
 * current connection on each use and never keeps one, so the connection can be closed and the
 * file swapped underneath (a restore) and then reopened in place without a restart.
 */
export class DatabaseHandle {
  readonly path: string;
  #sqlite: Database | null = null;
  #orm: Orm | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Opens the file (creating it if missing) and runs the migrations forward. */
  open(): void {
    if (this.#sqlite) return;
    const sqlite = openSqlite(this.path, { create: true });
    try {
      const orm = createOrm(sqlite);
      migrate(orm);
      this.#sqlite = sqlite;
      this.#orm = orm;
    } catch (error) {
      sqlite.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.#sqlite !== null;
  }

  get sqlite(): Database {
    if (!this.#sqlite) throw new DatabaseClosedError();
    return this.#sqlite;
  }

  get orm(): Orm {
    if (!this.#orm) throw new DatabaseClosedError();
    return this.#orm;
  }

  /** Moves every committed page from the WAL into the database file and empties the WAL. */
  checkpoint(): void {
    this.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  /**
   * Checkpoints and closes. Afterwards the database is one self-contained file: no -wal or
   * -shm is left beside it.
   */
  close(): void {
    const sqlite = this.#sqlite;
    if (!sqlite) return;
    this.#sqlite = null;
    this.#orm = null;
    try {
      sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      sqlite.close(true);
    }
  }

  /** Closes (if open) and opens the file at `path` again, running migrations forward. */
  reopen(): void {
    this.close();
    this.open();
  }
}
