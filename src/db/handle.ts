import type { MigrationMeta } from "drizzle-orm/migrator";
import { AppError } from "../lib/errors.ts";
import { waitSync } from "../lib/timers.ts";
import type { SqlDatabase } from "../runtime/types.ts";
import { openSqlite } from "./connect.ts";
import { ensureIdentity } from "./identity.ts";
import { DatabaseTooNewError, migrationStanding } from "./migration-state.ts";
import { embeddedMigrations } from "./migrations.ts";
import { createOrm, migrate, type Orm } from "./open.ts";

export const DATABASE_ERROR_CODES = ["db.busy", "db.closed", "db.too_new", "db.present"] as const;
export type DatabaseErrorCode = (typeof DATABASE_ERROR_CODES)[number];

export class DatabaseBusyError extends AppError<DatabaseErrorCode> {
  constructor() {
    super(
      "db.busy",
      "Another program is reading the database right now, so it cannot be replaced. Try again in a moment.",
    );
  }
}

/** SQLite's default: checkpoint when the WAL holds this many pages. */
const AUTO_CHECKPOINT_PAGES = 1000;

export class DatabaseClosedError extends AppError<DatabaseErrorCode> {
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
  /** The migrations this app runs: the embedded ones, or a test's longer list. */
  readonly migrations: MigrationMeta[];
  readonly #opened: ((sqlite: SqlDatabase) => void)[] = [];
  readonly #closing: (() => void)[] = [];
  #sqlite: SqlDatabase | null = null;
  #orm: Orm | null = null;
  #checkpointPauses = 0;
  #generation = 0;
  #identity: string | null = null;

  constructor(path: string, options: { migrations?: MigrationMeta[] } = {}) {
    this.path = path;
    this.migrations = options.migrations ?? embeddedMigrations();
  }

  /** `listener` runs after every open (at start, after a restore), on the open, migrated connection. */
  onOpen(listener: (sqlite: SqlDatabase) => void): void {
    this.#opened.push(listener);
  }

  /** `listener` runs before every close (at stop, before a restore swaps the file), while the connection is still open. */
  beforeClose(listener: () => void): void {
    this.#closing.push(listener);
  }

  /**
   * Opens the file (creating it if missing) and runs the migrations forward. A database written
   * by a newer version is never opened for use: `DatabaseTooNewError`, with the file unchanged.
   * `judge`, when given, sees the connection first, before anything runs on it (a restore proves
   * the file it put in place); the `onOpen` listeners run last. One that throws leaves the
   * database closed.
   */
  open(options: { judge?: (sqlite: SqlDatabase) => void; adoptIdentity?: string | null } = {}): void {
    if (this.#sqlite) return;
    const sqlite = openSqlite(this.path, { create: true });
    try {
      options.judge?.(sqlite);
      const standing = migrationStanding(sqlite, this.migrations);
      if (standing.state === "newer") throw new DatabaseTooNewError(standing.applied, standing.known);
      const orm = createOrm(sqlite);
      migrate(orm, this.migrations);
      // A database without an identity gets a new one, or (a restored file of an older version's
      // backup) the one `adoptIdentity` gives: the database it replaced.
      this.#identity = ensureIdentity(sqlite, new Date(), options.adoptIdentity ?? null);
      for (const listener of this.#opened) listener(sqlite);
      if (this.#checkpointPauses > 0) sqlite.run("PRAGMA wal_autocheckpoint = 0");
      this.#generation++;
      this.#sqlite = sqlite;
      this.#orm = orm;
    } catch (error) {
      sqlite.close();
      throw error;
    }
  }

  /**
   * Counts the opens: work that waited (hashing a password) checks that the database it read
   * before waiting is still the one open, not a file a restore put in its place meanwhile.
   */
  get generation(): number {
    return this.#generation;
  }

  get isOpen(): boolean {
    return this.#sqlite !== null;
  }

  /** The identity of the database open now, or last open (`identity.ts`); null before the first open. */
  get identity(): string | null {
    return this.#identity;
  }

  get sqlite(): SqlDatabase {
    if (!this.#sqlite) throw new DatabaseClosedError();
    return this.#sqlite;
  }

  get orm(): Orm {
    if (!this.#orm) throw new DatabaseClosedError();
    return this.#orm;
  }

  /**
   * Stops SQLite's automatic checkpoints until `resumeCheckpoints()`. A checkpoint flushes the
   * database file to disk; while a backup is writing hundreds of megabytes that flush waits
   * behind it, and the commit that triggered it would stall for a third of a second. Commits
   * themselves never flush in WAL mode with synchronous=NORMAL, so writes stay fast meanwhile.
   */
  pauseCheckpoints(): void {
    this.#checkpointPauses++;
    this.#sqlite?.run("PRAGMA wal_autocheckpoint = 0");
  }

  /** Allows automatic checkpoints again; the next commit catches up on the WAL. */
  resumeCheckpoints(): void {
    this.#checkpointPauses = Math.max(0, this.#checkpointPauses - 1);
    if (this.#checkpointPauses === 0)
      this.#sqlite?.run(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }

  /**
   * Checkpoints and closes. Afterwards the database is one self-contained file: no -wal or
   * -shm is left beside it (with `hurry`, unless a reader kept the checkpoint from finishing).
   */
  close(options: { requireCheckpoint?: boolean; hurry?: boolean } = {}): void {
    const sqlite = this.#sqlite;
    if (!sqlite) return;
    for (const listener of this.#closing) listener();
    if (options.requireCheckpoint) {
      // Before the file is replaced the WAL must be empty: a reader in another program can keep
      // a checkpoint from finishing; wait a little for it, then refuse rather than lose commits.
      for (let attempt = 0; ; attempt++) {
        const result = sqlite.query("PRAGMA wal_checkpoint(TRUNCATE)").get() as {
          busy: number;
          log: number;
          checkpointed: number;
        };
        if (result.busy === 0 && result.log === result.checkpointed) break;
        if (attempt >= 40) throw new DatabaseBusyError();
        waitSync(50);
      }
    }
    this.#sqlite = null;
    this.#orm = null;
    try {
      // In a hurry (Windows closes the app within seconds) the checkpoint takes what it can without
      // waiting for readers; the rest stays in the -wal, which the next open reads. Otherwise it
      // empties the log unless another program reads it now (the serving app's continuous
      // protection always does): a command beside the running app never waits for that.
      if (!options.requireCheckpoint) sqlite.run("PRAGMA busy_timeout = 0");
      sqlite.run(`PRAGMA wal_checkpoint(${options.hurry ? "PASSIVE" : "TRUNCATE"})`);
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
