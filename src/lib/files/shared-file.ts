import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { acquireFileLock, type FileLock, LockHeldError } from "./file-lock.ts";
import { writeFileAtomic } from "./fs-sync.ts";

/**
 * A small JSON record that more than one process of the app changes — the serving app and a
 * command beside it (`offsite sync`, `backup`, `restore --from`) — kept so that no change is lost
 * to another's: each change reads the file, applies itself and writes the file whole
 * (`writeFileAtomic`), one at a time in this process and, under the lock file `<file>.lock`
 * (`acquireFileLock`: an operating-system lock, gone with a killed holder), one at a time across
 * processes. A change waits for another process's at most `LOCK_WAIT_MS`, then fails with
 * `LockHeldError`. Reading needs no lock: the file is only ever replaced whole.
 */

/** The longest a change waits for another process's: a change holds the lock for one small write. */
const LOCK_WAIT_MS = 10_000;
const RETRY_MS = 10;

export class SharedRecordFile<T> {
  readonly #path: string;
  readonly #parse: (value: unknown) => T;
  #queue: Promise<unknown> = Promise.resolve();

  /** `parse` makes the record of what the file holds (JSON, or null when it is missing or unreadable). */
  constructor(path: string, parse: (value: unknown) => T) {
    this.#path = path;
    this.#parse = parse;
  }

  /** The record as the file holds it now. */
  read(): T {
    let value: unknown = null;
    try {
      value = JSON.parse(readFileSync(this.#path, "utf8"));
    } catch {
      // Missing or damaged: `parse` says what that means.
    }
    return this.#parse(value);
  }

  /** Reads the record, applies `change` to it, writes it; one change at a time, across processes too. */
  change(change: (record: T) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      mkdirSync(dirname(this.#path), { recursive: true });
      const lock = await lockWithin(`${this.#path}.lock`, LOCK_WAIT_MS);
      try {
        const record = this.read();
        change(record);
        await writeFileAtomic(this.#path, `${JSON.stringify(record, null, 2)}\n`, { wait: { timeoutMs: 0 } });
      } finally {
        lock.release();
      }
    });
    this.#queue = next.catch(() => {});
    return next;
  }
}

/** `acquireFileLock`, trying again every few milliseconds for up to `waitMs`; then its `LockHeldError`. */
export async function lockWithin(path: string, waitMs: number): Promise<FileLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return acquireFileLock(path);
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
