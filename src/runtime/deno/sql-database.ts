import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type {
  SqlBindings,
  SqlChanges,
  SqlDatabase,
  SqlStatement,
  SqlTransaction,
  SqlValue,
} from "../types.ts";
import { withSqliteCodes } from "./sqlite-errors.ts";

/**
 * node:sqlite's `DatabaseSync` as an `SqlDatabase`, behaving as bun:sqlite's `Database` where the
 * app relies on it: `run` of several statements, a missing row is null, booleans bind as 0 and 1,
 * `values()` gives arrays, transactions nest as savepoints, errors carry SQLite's code name in
 * `code`. Drizzle's bun-sqlite session runs on it unchanged (`exec`, `prepare`, `transaction`).
 */
export class NodeSqlDatabase implements SqlDatabase {
  readonly connection: DatabaseSync;
  readonly #cache = new Map<string, NodeSqlStatement>();
  #savepoints = 0;

  constructor(connection: DatabaseSync) {
    this.connection = connection;
  }

  run(sql: string, params?: SqlValue[]): SqlChanges {
    if (params !== undefined) return this.query(sql).run(...params);
    // node:sqlite prepares only the first statement of several (quietly), and `exec()` tells no
    // counts: one statement goes through `prepare`, anything that may hold more through `exec`.
    if (!sql.trim().replace(/;$/, "").includes(";")) return this.prepare(sql).run();
    this.exec(sql);
    return this.#countsOfLastStatement();
  }

  /**
   * The counts of the last statement `exec()` ran, read when first asked (ask at once): reading
   * them is a query, and one that a lock held elsewhere may refuse, so it is not made unasked.
   */
  #countsOfLastStatement(): SqlChanges {
    let counts: SqlChanges | null = null;
    const read = () => {
      counts ??= this.query<SqlChanges, []>(
        "SELECT changes() AS changes, last_insert_rowid() AS lastInsertRowid",
      ).get() as SqlChanges;
      return counts;
    };
    return {
      get changes() {
        return read().changes;
      },
      get lastInsertRowid() {
        return read().lastInsertRowid;
      },
    };
  }

  /** Runs every statement of `sql` (drizzle's session calls this for its own statements). */
  exec(sql: string): void {
    withSqliteCodes(() => this.connection.exec(sql));
  }

  query<Row = unknown, Params extends SqlValue | SqlValue[] = SqlValue[]>(
    sql: string,
  ): SqlStatement<Row, SqlBindings<Params>> {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.prepare(sql) as NodeSqlStatement;
      this.#cache.set(sql, statement);
    }
    return statement as unknown as SqlStatement<Row, SqlBindings<Params>>;
  }

  prepare<Row = unknown, Params extends SqlValue | SqlValue[] = SqlValue[]>(
    sql: string,
  ): SqlStatement<Row, SqlBindings<Params>> {
    const statement = withSqliteCodes(() => this.connection.prepare(sql));
    return new NodeSqlStatement(statement) as unknown as SqlStatement<Row, SqlBindings<Params>>;
  }

  transaction<Args extends unknown[], Result>(fn: (...args: Args) => Result): SqlTransaction<Args, Result> {
    const begin =
      (mode: string) =>
      (...args: Args): Result => {
        // Inside a transaction (bun:sqlite does the same) the inner one is a savepoint.
        if (this.connection.isTransaction) return this.#inSavepoint(() => fn(...args));
        this.exec(`BEGIN ${mode}`);
        try {
          const result = fn(...args);
          this.exec("COMMIT");
          return result;
        } catch (error) {
          if (this.connection.isTransaction) this.exec("ROLLBACK");
          throw error;
        }
      };
    return Object.assign(begin("DEFERRED"), {
      deferred: begin("DEFERRED"),
      immediate: begin("IMMEDIATE"),
      exclusive: begin("EXCLUSIVE"),
    });
  }

  #inSavepoint<Result>(fn: () => Result): Result {
    const name = `nested_${++this.#savepoints}`;
    this.exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      this.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.exec(`ROLLBACK TO ${name}`);
      this.exec(`RELEASE ${name}`);
      throw error;
    } finally {
      this.#savepoints--;
    }
  }

  serialize(): Uint8Array {
    return withSqliteCodes(() => this.connection.serialize());
  }

  close(throwOnError = false): void {
    if (!this.connection.isOpen) return;
    this.#cache.clear();
    try {
      withSqliteCodes(() => this.connection.close());
    } catch (error) {
      if (throwOnError) throw error;
    }
  }
}

/** Booleans as bun:sqlite binds them; node:sqlite refuses them. */
function bind(params: unknown[]): SQLInputValue[] {
  return params.map((value) => (typeof value === "boolean" ? Number(value) : value)) as SQLInputValue[];
}

class NodeSqlStatement implements SqlStatement<unknown, unknown[]> {
  readonly #statement: StatementSync;
  #arrays = false;

  constructor(statement: StatementSync) {
    this.#statement = statement;
  }

  #rows(arrays: boolean): StatementSync {
    if (this.#arrays !== arrays) {
      this.#statement.setReturnArrays(arrays);
      this.#arrays = arrays;
    }
    return this.#statement;
  }

  all(...params: unknown[]): unknown[] {
    return withSqliteCodes(() => this.#rows(false).all(...bind(params)));
  }

  get(...params: unknown[]): unknown {
    return withSqliteCodes(() => this.#rows(false).get(...bind(params))) ?? null;
  }

  run(...params: unknown[]): SqlChanges {
    const result = withSqliteCodes(() => this.#statement.run(...bind(params)));
    return { changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid };
  }

  values(...params: unknown[]): SqlValue[][] {
    return withSqliteCodes(() => this.#rows(true).all(...bind(params))) as unknown as SqlValue[][];
  }

  /** bun:sqlite's name for node:sqlite's `setReadBigInts`. */
  safeIntegers(enabled: boolean): this {
    this.#statement.setReadBigInts(enabled);
    return this;
  }
}
