/**
 * What the app needs from its runtime, in types that name no runtime. Feature code imports the
 * functions from `#runtime/*.ts` (package.json maps that to the implementation for the runtime
 * it runs on) and these types from here, so a second implementation only has to meet them.
 */

/** A value SQLite stores or returns. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

export interface SqlChanges {
  /** Rows the statement itself inserted, updated or deleted. */
  changes: number;
  lastInsertRowid: number | bigint;
}

/**
 * The arguments of a statement whose `?` take `Params`: a tuple, or one value for a single `?`.
 * Written exactly as bun:sqlite writes it, so that its `Database` is an `SqlDatabase` as it is.
 */
// biome-ignore lint/suspicious/noExplicitAny: bun:sqlite's own condition; `unknown[]` would not match it.
export type SqlBindings<Params> = Params extends any[] ? Params : [Params];

export interface SqlStatement<Row = unknown, Params extends unknown[] = SqlValue[]> {
  all(...params: Params): Row[];
  get(...params: Params): Row | null;
  run(...params: Params): SqlChanges;
  /** The rows as arrays of column values, in the order of the select list. */
  values(...params: Params): SqlValue[][];
  /**
   * With `true`, every integer this statement reads comes as a `bigint` (exact beyond 2^53, where
   * a `number` rounds); the statement itself is returned.
   */
  safeIntegers(enabled: boolean): SqlStatement<Row, Params>;
}

/** `fn` wrapped in BEGIN…COMMIT (ROLLBACK when it throws); each property picks the BEGIN. */
export interface SqlTransaction<Args extends unknown[], Result> {
  (...args: Args): Result;
  deferred(...args: Args): Result;
  immediate(...args: Args): Result;
  exclusive(...args: Args): Result;
}

/**
 * One connection to an SQLite database: the calls the app makes on it, and no more. Errors
 * SQLite raises carry its code name (`SQLITE_BUSY`, `SQLITE_FULL`) in `code`.
 */
export interface SqlDatabase {
  /** Runs every statement of `sql`; `params` bind the `?` of a single statement. */
  run(sql: string): SqlChanges;
  run(sql: string, params: SqlValue[]): SqlChanges;
  /**
   * A prepared statement, cached by the connection for reuse. `Params` is the tuple of values
   * its `?` take (or the one value of a single `?`).
   */
  query<Row = unknown, Params extends SqlValue | SqlValue[] = SqlValue[]>(
    sql: string,
  ): SqlStatement<Row, SqlBindings<Params>>;
  /** A prepared statement that is not cached. */
  prepare<Row = unknown, Params extends SqlValue | SqlValue[] = SqlValue[]>(
    sql: string,
  ): SqlStatement<Row, SqlBindings<Params>>;
  transaction<Args extends unknown[], Result>(fn: (...args: Args) => Result): SqlTransaction<Args, Result>;
  /** The database's pages as they are, WAL included: the bytes of an equivalent database file. */
  serialize(): Uint8Array;
  /** With `throwOnError`, statements still open are finalized and a failure to close throws. */
  close(throwOnError?: boolean): void;
}

export interface OpenDatabaseOptions {
  /** Open for reading only; the file must exist. */
  readonly?: boolean;
  /** Create the file when it is missing (default true; ignored when read-only or immutable). */
  create?: boolean;
  /**
   * Read-only, taking no lock and creating no -wal or -shm beside the file, and ignoring one
   * that happens to be there: for a file nothing else writes, such as a backup.
   */
  immutable?: boolean;
}

/** argon2id's cost: memory in KiB and passes over it (one lane). */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
}

/** What a worker thread reports to the thread that started it. */
export interface WorkerEvents {
  message(data: unknown): void;
  /** The worker's code threw outside any message handler, or failed to load. */
  error(error: Error): void;
  /** The thread ended, whether it answered or not (also after `terminate()`). */
  exit(): void;
}

export interface WorkerThread {
  post(data: unknown): void;
  /** Ends the thread at once; settle on its answer before calling this. */
  terminate(): void;
  /** Whether the thread keeps the process alive: while it works, yes; a kept thread at rest, no. */
  hold(busy: boolean): void;
}

/**
 * ChaCha20-Poly1305 (RFC 8439) with a 16-byte tag, as the runtime does it fastest. Callers own
 * every buffer: nothing is allocated per call where the runtime allows it.
 */
export interface Aead {
  /** Which implementation runs, as the docs and the benchmark name it (`libcrypto.so.3 (bun:ffi)`). */
  readonly name: string;
  /** Writes `plain` sealed (its length + 16 bytes) to the start of `out`; `out` must not overlap `plain`. */
  seal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, out: Uint8Array, aad?: Uint8Array): void;
  /** Writes the opened `sealed` (its length − 16 bytes) to `out`; false, and `out` unusable, when the tag fails. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, out: Uint8Array, aad?: Uint8Array): boolean;
}
