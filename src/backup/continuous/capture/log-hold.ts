import { isBusyError } from "#runtime/sqlite.ts";
import { openSqlite } from "../../../db/connect.ts";
import { describeError } from "../../../lib/errors.ts";
import type { SqlDatabase } from "../../../runtime/types.ts";

/**
 * The two connections continuous protection holds on the database, neither of which checkpoints
 * by itself (`wal_autocheckpoint = 0`): the pin, a read transaction held open on one at all
 * times, so no connection of any process can checkpoint past what was read or start the log
 * again; and the write barrier, `BEGIN IMMEDIATE` on the other, while which no connection of any
 * process can commit. The capture checkpoints only through `checkpoint`, under the barrier.
 */
export class LogHold {
  #rd: SqlDatabase | null = null;
  #ck: SqlDatabase | null = null;

  /** Opens both connections (the pin's first); one that opened stays open until `close`. */
  open(path: string): void {
    for (const name of ["rd", "ck"] as const) {
      const db = openSqlite(path, { create: false });
      db.run("PRAGMA wal_autocheckpoint = 0");
      if (name === "rd") this.#rd = db;
      else this.#ck = db;
    }
  }

  /** Whether the pin's connection is open. */
  get isOpen(): boolean {
    return this.#rd !== null;
  }

  close(): void {
    for (const db of [this.#rd, this.#ck]) db?.close();
    this.#rd = null;
    this.#ck = null;
  }

  pin(): void {
    const rd = this.#rd;
    if (!rd) return;
    rd.run("BEGIN");
    rd.query("SELECT count(*) FROM sqlite_schema").get();
  }

  unpin(): void {
    this.#rd?.run("COMMIT");
  }

  /** Nothing is captured meanwhile (the chain broke): the pin lets go and the log may be checkpointed so it does not grow. */
  release(): void {
    try {
      if (this.#rd) {
        this.unpin();
        this.#rd.query("PRAGMA wal_checkpoint(PASSIVE)").get();
      }
    } catch {
      // The connection is in no transaction: nothing to undo.
    }
  }

  /** Runs `fn` while no connection of any process can commit (`BEGIN IMMEDIATE`); throws busy after `waitMs`. */
  withBarrier<T>(waitMs: number, fn: () => T): T {
    const ck = this.#ck;
    if (!ck) throw new Error("continuous protection is not running");
    ck.run(`PRAGMA busy_timeout = ${waitMs}`);
    ck.run("BEGIN IMMEDIATE");
    try {
      return fn();
    } finally {
      ck.run("ROLLBACK");
    }
  }

  /** The database's page size and its size in pages, as the pin sees it. */
  pages(): { pageSize: number; size: number } {
    const rd = this.#rd as SqlDatabase;
    const pageSize = (rd.query("PRAGMA page_size").get() as { page_size: number }).page_size;
    const size = (rd.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    return { pageSize, size };
  }

  /**
   * Lets SQLite move the log into the database file: under the write barrier (waiting at most
   * `waitMs`), everything committed is read first (`readAll`, false when the chain broke), then the
   * pin lets go, a PASSIVE checkpoint runs (it never waits), and the pin is taken again before any
   * writer goes on. When the checkpoint took every frame, the next writer starts the log again
   * (salt-1 one more), the one start `readWal` accepts. Without the pin again nothing stops a
   * second restart of the log: `repinFailed` ends the chain. A writer holding the lock just now
   * postpones it (false, as when nothing was checkpointed).
   */
  checkpoint(waitMs: number, readAll: () => boolean, repinFailed: (why: string) => void): boolean {
    if (!this.#rd) return false;
    try {
      return this.withBarrier(waitMs, () => {
        // Every committed frame is read before the pin lets go: the checkpoint may then take them
        // all, and the one restart of the log that follows hides nothing.
        if (!readAll()) return false;
        this.unpin();
        try {
          this.#rd?.query("PRAGMA wal_checkpoint(PASSIVE)").get();
        } finally {
          try {
            this.pin();
          } catch (error) {
            repinFailed(`the log could not be held for reading (${describeError(error)})`);
          }
        }
        return true;
      });
    } catch (error) {
      if (!isBusyError(error)) throw error;
      return false;
    }
  }
}
