import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { letOthersRun } from "../../../lib/timers.ts";

/**
 * Reads SQLite's write-ahead log (`<database>-wal`) from where the last read stopped, keeping only
 * what SQLite itself would: frames whose salts equal the header's and whose cumulative checksum
 * holds, grouped into transactions that end in a commit frame. Layout and checksum:
 * https://www.sqlite.org/fileformat2.html#walformat. Nothing is opened on the database file
 * itself (closing a descriptor of it would drop the process's locks); SQLite takes no lock on
 * the `-wal` file, so it is opened and closed freely.
 */

const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const FORMAT_VERSION = 3007000;
export const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** The frames read at once: bounded, so a large log is never read whole. */
const CHUNK_FRAMES = 256;

/** Where reading stopped: just past the last committed frame, with the checksum running there. */
export interface WalPosition {
  salt1: number;
  salt2: number;
  /** Byte offset just past the last committed frame read (32: nothing read yet). */
  offset: number;
  /** The cumulative checksum at `offset`. */
  check: [number, number];
}

/** One committed transaction: the newest image of each page it wrote, and the database's size after it. */
export interface WalTransaction {
  /** The database's size in pages after the commit. */
  size: number;
  pages: Map<number, Uint8Array>;
  /** Byte offset just past its commit frame. */
  end: number;
  /** Where reading stands just past it (its `end`, with the checksum running there). */
  position: WalPosition;
}

export type WalRead =
  /** Nothing to read yet: no log, or a header still being written. */
  | { kind: "none" }
  /** The log is not the one `from` was in, nor its one permitted successor: what came between may be lost. */
  | { kind: "broken"; reason: string }
  | {
      kind: "read";
      pageSize: number;
      transactions: WalTransaction[];
      position: WalPosition;
      reset: boolean;
      /** Every committed transaction there is read (false: `maxBytes` was reached; read on from `position`). */
      complete: boolean;
    };

interface Header {
  pageSize: number;
  salt1: number;
  salt2: number;
  bigEndian: boolean;
  check: [number, number];
}

function checksum(bytes: Uint8Array, start: number, length: number, s: [number, number], bigEndian: boolean) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let s0 = s[0];
  let s1 = s[1];
  for (let i = start, end = start + length; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1] as [number, number];
}

function readAt(fd: number, length: number, position: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** The header, or null when it is missing, torn or not a WAL header SQLite would use. */
function readHeader(fd: number): Header | null {
  const bytes = readAt(fd, WAL_HEADER_BYTES, 0);
  if (bytes.length < WAL_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return null;
  if (view.getUint32(4) !== FORMAT_VERSION) return null;
  const bigEndian = magic === MAGIC_BE;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  const check = checksum(bytes, 0, 24, [0, 0], bigEndian);
  if (check[0] !== view.getUint32(24) || check[1] !== view.getUint32(28)) return null;
  return { pageSize, salt1: view.getUint32(16), salt2: view.getUint32(20), bigEndian, check };
}

/** Where a log starts to be read: its first frame, with the header's checksum. */
export function startOf(header: Pick<Header, "salt1" | "salt2" | "check">): WalPosition {
  return { salt1: header.salt1, salt2: header.salt2, offset: WAL_HEADER_BYTES, check: header.check };
}

/** One valid frame of the log, in order: `image` is a view valid only until the next frame is asked for. */
interface Frame {
  page: number;
  image: Uint8Array;
  /** Byte offset of its page image in the log. */
  imageAt: number;
  /** The database's size after it when it commits a transaction; 0 otherwise. */
  commitSize: number;
  /** Where reading stands just past it. */
  next: WalPosition;
}

/**
 * The frames SQLite itself would use after `start`, read `CHUNK_FRAMES` at a time: salts equal to
 * the header's, the cumulative checksum holding, a page number. Stops at the first that is not,
 * and where the file ends (or shrank since it was measured: what is there is all).
 */
function* framesOf(fd: number, header: Header, start: WalPosition): Generator<Frame> {
  const size = fstatSync(fd).size;
  const frameBytes = FRAME_HEADER_BYTES + header.pageSize;
  let check = start.check;
  let offset = start.offset;
  while (offset + frameBytes <= size) {
    const count = Math.min(CHUNK_FRAMES, Math.floor((size - offset) / frameBytes));
    const chunk = readAt(fd, count * frameBytes, offset);
    if (chunk.length < frameBytes) return;
    for (let at = 0; at + frameBytes <= chunk.length; at += frameBytes) {
      const view = new DataView(chunk.buffer, chunk.byteOffset + at, FRAME_HEADER_BYTES);
      if (view.getUint32(8) !== header.salt1 || view.getUint32(12) !== header.salt2) return;
      check = checksum(chunk, at, 8, check, header.bigEndian);
      check = checksum(chunk, at + FRAME_HEADER_BYTES, header.pageSize, check, header.bigEndian);
      if (check[0] !== view.getUint32(16) || check[1] !== view.getUint32(20)) return;
      const page = view.getUint32(0);
      if (page === 0) return;
      const imageAt = offset + FRAME_HEADER_BYTES;
      offset += frameBytes;
      yield {
        page,
        image: chunk.subarray(at + FRAME_HEADER_BYTES, at + frameBytes),
        imageAt,
        commitSize: view.getUint32(4),
        next: { salt1: header.salt1, salt2: header.salt2, offset, check },
      };
    }
    if (chunk.length < count * frameBytes) return;
  }
}

function openLog(walPath: string): number | null {
  try {
    return openSync(walPath, "r");
  } catch {
    return null;
  }
}

/**
 * Reads the transactions committed after `from` (null: the log was not there or not read yet, so
 * its first header starts the reading). A log whose salts differ from `from`'s is the next one
 * only when salt-1 is one more (SQLite's reset after a complete checkpoint, which the capture
 * lets happen only once everything was read); anything else is `broken`. Reads at most
 * `maxBytes` of frames (more only to finish a transaction).
 */
export function readWal(walPath: string, from: WalPosition | null, maxBytes = 64 << 20): WalRead {
  const fd = openLog(walPath);
  if (fd === null) return from ? { kind: "broken", reason: "the write-ahead log is gone" } : { kind: "none" };
  try {
    const header = readHeader(fd);
    if (!header) return { kind: "none" };
    let start: WalPosition;
    let reset = false;
    if (!from) start = startOf(header);
    else if (header.salt1 === from.salt1 && header.salt2 === from.salt2) start = from;
    else if (header.salt1 === (from.salt1 + 1) >>> 0) {
      start = startOf(header);
      reset = true;
    } else return { kind: "broken", reason: "the write-ahead log was started again by another program" };
    const transactions: WalTransaction[] = [];
    let position = start;
    let pending = new Map<number, Uint8Array>();
    let read = 0;
    let complete = true;
    for (const frame of framesOf(fd, header, start)) {
      pending.set(frame.page, frame.image.slice());
      read += FRAME_HEADER_BYTES + header.pageSize;
      if (frame.commitSize === 0) continue;
      transactions.push({
        size: frame.commitSize,
        pages: pending,
        end: frame.next.offset,
        position: frame.next,
      });
      pending = new Map();
      position = frame.next;
      if (read >= maxBytes) {
        complete = false;
        break;
      }
    }
    return { kind: "read", pageSize: header.pageSize, transactions, position, reset, complete };
  } finally {
    closeSync(fd);
  }
}

/** What a log held: its committed transactions, and where reading stands after them. */
export interface WalContents {
  transactions: WalTransaction[];
  position: WalPosition;
}

/**
 * The log's committed transactions, read ahead of the write barrier a bounded part at a time, the
 * event loop let go between parts (read whole at once, a large log kept the app from answering
 * and, under the barrier, every writer from committing); null without a log, or when it started
 * anew while it was read. At most `maxParts` parts (4 GiB): `finishWal` reads the rest.
 */
export async function readWalAhead(
  walPath: string,
  partBytes = 1 << 20,
  maxParts = 4096,
): Promise<WalContents | null> {
  const transactions: WalTransaction[] = [];
  let position: WalPosition | null = null;
  for (let part = 0; part < maxParts; part++) {
    const read = readWal(walPath, position, partBytes);
    if (read.kind !== "read" || read.reset) return null;
    for (const t of read.transactions) transactions.push(t);
    position = read.position;
    if (read.complete) break;
    await letOthersRun();
  }
  return position ? { transactions, position } : null;
}

/**
 * Every committed transaction of the log, read under the write barrier: what `ahead` read, then
 * what was committed since. A log that started anew meanwhile (other salts) is read whole again:
 * only a new start rewrites a committed frame, and it always changes salt-1. Null without a log.
 */
export function finishWal(walPath: string, ahead: WalContents | null): WalContents | null {
  if (ahead) {
    const rest = readWal(walPath, ahead.position, Number.POSITIVE_INFINITY);
    if (rest.kind === "read" && !rest.reset)
      return { transactions: ahead.transactions.concat(rest.transactions), position: rest.position };
  }
  const read = readWal(walPath, null, Number.POSITIVE_INFINITY);
  return read.kind === "read" ? { transactions: read.transactions, position: read.position } : null;
}
