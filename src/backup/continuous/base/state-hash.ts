import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

/**
 * A checksum of a whole database state (every page and the size) that follows each transaction
 * at the cost of the pages it wrote: each page's SHA-256 (with its number) folded together by
 * XOR, so a page that changes is taken out and put in again. Each change file records the state
 * it applies to and the state each transaction produces; a restore recomputes it over the file it
 * built, so a missing, extra or wrong page is found, not papered over. It detects accidents (a
 * gap, a torn write, a page applied twice); the files are authenticated elsewhere.
 */

const HASH_BYTES = 16;
const LOCK_BYTE_OFFSET = 0x40000000;

/** SQLite's lock-byte page (the page holding byte 1 GiB): never written, left out of every state. */
export function lockBytePage(pageSize: number): number {
  return Math.floor(LOCK_BYTE_OFFSET / pageSize) + 1;
}

function pageHash(page: number, data: Uint8Array): Uint8Array {
  const number = new Uint8Array(4);
  new DataView(number.buffer).setUint32(0, page);
  return createHash("sha256").update(number).update(data).digest().subarray(0, HASH_BYTES);
}

/** What a state is made of, to move it to another thread (`StateHash.parts`, `StateHash.fromParts`). */
export interface StateParts {
  pageSize: number;
  size: number;
  high: number;
  hashes: Uint8Array;
  sum: Uint8Array;
}

export class StateHash {
  readonly pageSize: number;
  #size = 0;
  /** The highest page with a hash (pages past the size that a transaction wrote before it shrank the file). */
  #high = 0;
  #hashes: Uint8Array = new Uint8Array(0);
  readonly #sum = new Uint8Array(HASH_BYTES);
  readonly #lockByte: number;
  #zero: Uint8Array;

  constructor(pageSize: number) {
    this.pageSize = pageSize;
    this.#lockByte = lockBytePage(pageSize);
    this.#zero = new Uint8Array(pageSize);
  }

  get size(): number {
    return this.#size;
  }

  /** The state's parts (its own arrays: the state is not used again where it was made). */
  parts(): StateParts {
    return {
      pageSize: this.pageSize,
      size: this.#size,
      high: this.#high,
      hashes: this.#hashes,
      sum: this.#sum,
    };
  }

  /** The state `parts` took apart, made again (on another thread). */
  static fromParts(parts: StateParts): StateHash {
    const state = new StateHash(parts.pageSize);
    state.#size = parts.size;
    state.#high = parts.high;
    state.#hashes = parts.hashes;
    state.#sum.set(parts.sum);
    return state;
  }

  #fold(page: number, hash: Uint8Array | null): void {
    const at = (page - 1) * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) {
      this.#sum[i] = (this.#sum[i] ?? 0) ^ (this.#hashes[at + i] ?? 0);
      const next = hash ? (hash[i] ?? 0) : 0;
      this.#sum[i] = (this.#sum[i] ?? 0) ^ next;
      this.#hashes[at + i] = next;
    }
  }

  #grow(size: number): void {
    if (size * HASH_BYTES <= this.#hashes.length) return;
    const bigger = new Uint8Array(
      Math.max(size, Math.ceil(this.#hashes.length / HASH_BYTES) * 2) * HASH_BYTES,
    );
    bigger.set(this.#hashes);
    this.#hashes = bigger;
  }

  /** Page `page` now holds `data`. */
  setPage(page: number, data: Uint8Array): void {
    if (page === this.#lockByte) return;
    this.#grow(page);
    this.#fold(page, pageHash(page, data));
    this.#high = Math.max(this.#high, page);
  }

  /**
   * The database has `size` pages now: pages past it leave the state, and pages it gains that no
   * frame wrote read as zeros (as a file extended by truncation does).
   */
  setSize(size: number): void {
    for (let page = size + 1; page <= this.#high; page++)
      if (page !== this.#lockByte && !this.#unset(page)) this.#fold(page, null);
    this.#high = Math.min(this.#high, size);
    this.#grow(size);
    for (let page = this.#size + 1; page <= size; page++)
      if (page !== this.#lockByte && this.#unset(page)) this.#fold(page, pageHash(page, this.#zero));
    this.#size = size;
    this.#high = Math.max(this.#high, size);
  }

  /** No hash for `page`: never written (a real hash of 16 zero bytes has odds of 2^-128). */
  #unset(page: number): boolean {
    const at = (page - 1) * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (this.#hashes[at + i]) return false;
    return true;
  }

  /** The state as a hex string: the folded page hashes, the size and the page size. */
  digest(): string {
    const tail = new Uint8Array(8);
    const view = new DataView(tail.buffer);
    view.setUint32(0, this.#size);
    view.setUint32(4, this.pageSize);
    return createHash("sha256").update(this.#sum).update(tail).digest("hex");
  }
}

/** The pages read at once when a whole file is hashed or copied. */
export const PAGES_PER_READ = 256;

/**
 * The state of the database file at `path` (nothing else may write it meanwhile), read in bounded
 * chunks: `size` pages (the file's own length when absent). With `asWal`, of the file as it was in
 * WAL mode: a database rebuilt from a chain is switched to rollback-journal mode before it is
 * checked (`setRollbackJournalMode`: header bytes 18 and 19 from 2 to 1), while the states the
 * chain recorded are of the database as it ran, in WAL mode.
 */
export function stateOfFile(
  path: string,
  pageSize: number,
  size?: number,
  options: { asWal?: boolean } = {},
): string {
  const fd = openSync(path, "r");
  try {
    const state = new StateHash(pageSize);
    const buffer = new Uint8Array(PAGES_PER_READ * pageSize);
    let page = 1;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, (page - 1) * pageSize);
      const pages = Math.floor(n / pageSize);
      if (page === 1 && pages > 0 && options.asWal) {
        buffer[18] = 2;
        buffer[19] = 2;
      }
      for (let i = 0; i < pages && (size === undefined || page + i <= size); i++)
        state.setPage(page + i, buffer.subarray(i * pageSize, (i + 1) * pageSize));
      page += pages;
      if (pages < PAGES_PER_READ || (size !== undefined && page > size)) break;
    }
    state.setSize(size ?? page - 1);
    return state.digest();
  } finally {
    closeSync(fd);
  }
}
