import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isPageSize } from "./page-size.ts";
import type { WalPosition } from "./wal.ts";

/**
 * A change file: the transactions a chain captured, one after another, each with the newest image
 * of every page it wrote, the database's size after it, when it was captured, and the state it
 * produced (`StateHash`). The header says which chain and transactions it holds and the states it
 * goes from and to; the file ends in the SHA-256 of everything before it, so a torn or altered
 * file is refused whole. Written under a temporary name, flushed, then renamed: a file with the
 * name is complete.
 *
 *   "BAPCHG01"  u32 length, header JSON
 *   per transaction: u32 length, record JSON ({txn, at, size, state, pages}), then per page u32 number + image
 *   32 bytes: SHA-256 of all of the above
 */

export const MAGIC = new TextEncoder().encode("BAPCHG01");
const TRAILER_BYTES = 32;
/** No header or record description is longer: anything longer is not a change file. */
const MAX_JSON_BYTES = 64 * 1024;
export const CHANGE_FILE_SUFFIX = ".changes";

export interface ChangeHeader {
  format: 1;
  chain: string;
  /** 0 for a file the capture wrote, n + 1 for one merged from files of level n. */
  level: number;
  first: number;
  last: number;
  /** When the first and the last transaction were captured (ms since 1970). */
  from: number;
  to: number;
  /** The state before the first transaction and after the last. */
  prev: string;
  result: string;
  pageSize: number;
  /** Where the capture stopped reading the write-ahead log after the last transaction. */
  wal: WalPosition;
}

export interface ChangeRecord {
  txn: number;
  at: number;
  size: number;
  state: string;
  pages: Map<number, Uint8Array>;
}

/** `L0-000000000001-000000000009.changes`: level, first and last transaction, so names sort in order. */
export function changeFileName(level: number, first: number, last: number): string {
  const n = (v: number) => String(v).padStart(12, "0");
  return `L${level}-${n(first)}-${n(last)}${CHANGE_FILE_SUFFIX}`;
}

const NAME = /^L(\d{1,2})-(\d{12})-(\d{12})\.changes$/;

/** The level and transactions a change file's name says, or null for any other name. */
export function parseChangeFileName(name: string): { level: number; first: number; last: number } | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return { level: Number(m[1]), first: Number(m[2]), last: Number(m[3]) };
}

export class ChangeFileError extends Error {
  constructor(path: string, why: string) {
    super(`the change file ${basename(path)} in ${basename(dirname(path))} ${why}`);
  }
}

/** Sequential reads of one file through one descriptor, hashing what it hands out. */
class Reader {
  readonly hash = createHash("sha256");
  #position = 0;
  constructor(
    readonly fd: number,
    readonly path: string,
    readonly end: number,
  ) {}
  get position(): number {
    return this.#position;
  }
  take(length: number): Uint8Array {
    if (this.#position + length > this.end) throw new ChangeFileError(this.path, "is cut short");
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, bytes, done, length - done, this.#position + done);
      if (n === 0) throw new ChangeFileError(this.path, "is cut short");
      done += n;
    }
    this.#position += length;
    this.hash.update(bytes);
    return bytes;
  }
  u32(): number {
    return new DataView(this.take(4).buffer).getUint32(0);
  }
  json(): unknown {
    const length = this.u32();
    if (length > MAX_JSON_BYTES) throw new ChangeFileError(this.path, "is not a change file");
    try {
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(this.take(length)));
    } catch (error) {
      if (error instanceof ChangeFileError) throw error;
      throw new ChangeFileError(this.path, "is not a change file");
    }
  }
}

function isPosition(v: unknown): v is WalPosition {
  const p = v as WalPosition;
  return (
    typeof p === "object" &&
    p !== null &&
    [p.salt1, p.salt2, p.offset].every((n) => Number.isSafeInteger(n) && n >= 0) &&
    Array.isArray(p.check) &&
    p.check.length === 2 &&
    p.check.every((n) => Number.isSafeInteger(n) && n >= 0)
  );
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
const isState = (s: unknown): s is string => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

function checkHeader(path: string, value: unknown): ChangeHeader {
  const h = value as ChangeHeader;
  const ok =
    typeof h === "object" &&
    h !== null &&
    h.format === 1 &&
    typeof h.chain === "string" &&
    [h.level, h.first, h.last, h.from, h.to, h.pageSize].every(isCount) &&
    h.first >= 1 &&
    h.last >= h.first &&
    h.to >= h.from &&
    isPageSize(h.pageSize) &&
    isState(h.prev) &&
    isState(h.result) &&
    isPosition(h.wal);
  if (!ok) throw new ChangeFileError(path, "has a header that makes no sense");
  return h;
}

function openChecked(path: string): { fd: number; reader: Reader } {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  const reader = new Reader(fd, path, size - TRAILER_BYTES);
  if (size < MAGIC.length + TRAILER_BYTES) {
    closeSync(fd);
    throw new ChangeFileError(path, "is not a change file");
  }
  const magic = reader.take(MAGIC.length);
  if (!magic.every((b, i) => b === MAGIC[i])) {
    closeSync(fd);
    throw new ChangeFileError(path, "is not a change file");
  }
  return { fd, reader };
}

/** A change file's header (its name must agree with it); `ChangeFileError` when it is not one. */
export function readChangeHeader(path: string): ChangeHeader {
  const { fd, reader } = openChecked(path);
  try {
    const header = checkHeader(path, reader.json());
    const named = parseChangeFileName(basename(path));
    if (!named || named.level !== header.level || named.first !== header.first || named.last !== header.last)
      throw new ChangeFileError(path, "does not hold what its name says");
    return header;
  } finally {
    closeSync(fd);
  }
}

/**
 * The records of a change file, in order; the file is proven whole (its trailer) once the last
 * one was taken, so what was handed out is only to be trusted once the reading ends without an
 * error. Records must follow the header: numbered `first` to `last` without a gap, sensible
 * sizes, no page twice. Throws `ChangeFileError`.
 */
export function* changeRecords(path: string): Generator<ChangeRecord, ChangeHeader> {
  const { fd, reader } = openChecked(path);
  try {
    const header = checkHeader(path, reader.json());
    for (let txn = header.first; txn <= header.last; txn++) {
      const about = reader.json() as {
        txn: unknown;
        at: unknown;
        size: unknown;
        state: unknown;
        pages: unknown;
      };
      if (
        about?.txn !== txn ||
        !isCount(about.at) ||
        !isCount(about.size) ||
        about.size < 1 ||
        !isState(about.state) ||
        !isCount(about.pages) ||
        about.pages > about.size
      )
        throw new ChangeFileError(path, "holds a transaction that makes no sense");
      const pages = new Map<number, Uint8Array>();
      for (let i = 0; i < about.pages; i++) {
        const page = reader.u32();
        if (page < 1 || pages.has(page)) throw new ChangeFileError(path, "holds a page that makes no sense");
        pages.set(page, reader.take(header.pageSize));
      }
      yield { txn, at: about.at, size: about.size, state: about.state, pages };
    }
    if (reader.position !== reader.end) throw new ChangeFileError(path, "holds more than its header says");
    const trailer = new Uint8Array(TRAILER_BYTES);
    readSync(fd, trailer, 0, TRAILER_BYTES, reader.end);
    const expected = new Uint8Array(reader.hash.digest());
    if (!expected.every((b, i) => b === trailer[i]))
      throw new ChangeFileError(path, "was changed or damaged");
    return header;
  } finally {
    closeSync(fd);
  }
}
