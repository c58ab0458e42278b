import { closeSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { fsyncFileAsync } from "../../lib/files/fs-sync.ts";
import { letOthersRun } from "../../lib/timers.ts";
import { lockBytePage, PAGES_PER_READ, StateHash } from "./state-hash.ts";

/**
 * Reading the live database file's pages without ever closing a descriptor of it while SQLite
 * has it open: closing any descriptor of a file drops every POSIX lock the process holds on it,
 * and another program would then take this process's connections for gone (and checkpoint and
 * delete the write-ahead log under them). One descriptor per file is opened once and kept while
 * that file is the database; it is closed only when the path holds another file (a restore put
 * it there, and no connection is on the old one), and on Windows, whose locks belong to each
 * handle, when the capture stops (a handle kept open would stand in a restore's way).
 */
const held = new Map<string, { fd: number; dev: number; ino: number }>();

/** Newer images of some pages than the file holds (the log's newest, read under the write barrier). */
export interface PageOverlay {
  get(page: number): Uint8Array | undefined;
}

function databaseDescriptor(path: string): number {
  const now = statSync(path);
  const known = held.get(path);
  if (known && known.dev === now.dev && known.ino === now.ino) return known.fd;
  if (known) closeSync(known.fd);
  const fd = openSync(path, "r");
  held.set(path, { fd, dev: now.dev, ino: now.ino });
  return fd;
}

/** On Windows, gives up the descriptor `databaseDescriptor` keeps (elsewhere it is kept: see above). */
export function releaseDatabaseFile(path: string): void {
  if (process.platform !== "win32") return;
  const known = held.get(path);
  if (!known) return;
  held.delete(path);
  closeSync(known.fd);
}

/**
 * Hands out the database's pages 1…`size` in order, `PAGES_PER_READ` at a time, as the file holds
 * them with `overlay`'s images put over (the write-ahead log's newest images of the pages it
 * wrote), yielding to the event loop between reads. The file must not change meanwhile beyond
 * what `overlay` covers (a pinned read transaction sees to that). SQLite's lock-byte page is
 * never read (Windows locks it) and handed out as zeros. Stops early when `cancelled()`.
 */
export async function readPages(
  path: string,
  pageSize: number,
  size: number,
  overlay: PageOverlay,
  onPages: (first: number, bytes: Uint8Array, count: number) => void,
  cancelled: () => boolean,
): Promise<boolean> {
  const fd = databaseDescriptor(path);
  const lockByte = lockBytePage(pageSize);
  const buffer = new Uint8Array(PAGES_PER_READ * pageSize);
  for (let first = 1; first <= size; first += PAGES_PER_READ) {
    if (cancelled()) return false;
    const count = Math.min(PAGES_PER_READ, size - first + 1);
    buffer.fill(0, 0, count * pageSize);
    for (let i = 0; i < count; ) {
      const page = first + i;
      if (page === lockByte) {
        i++;
        continue;
      }
      const run = Math.min(count - i, page < lockByte ? lockByte - page : count - i);
      let done = 0;
      const want = run * pageSize;
      while (done < want) {
        const n = readSync(fd, buffer, i * pageSize + done, want - done, (page - 1) * pageSize + done);
        if (n === 0) break;
        done += n;
      }
      i += run;
    }
    for (let i = 0; i < count; i++) {
      const image = overlay.get(first + i);
      if (image) buffer.set(image, i * pageSize);
    }
    onPages(first, buffer, count);
    await letOthersRun();
  }
  return true;
}

/**
 * The state (`StateHash`) of the pages `readPages` hands out, and with `copyTo`, those pages
 * copied into that new file (flushed); null when cancelled.
 */
export async function statePages(
  path: string,
  pageSize: number,
  size: number,
  overlay: PageOverlay,
  cancelled: () => boolean,
  copyTo?: string,
): Promise<StateHash | null> {
  const out = copyTo === undefined ? null : openSync(copyTo, "wx", 0o600);
  const state = new StateHash(pageSize);
  try {
    const done = await readPages(
      path,
      pageSize,
      size,
      overlay,
      (first, bytes, count) => {
        if (out !== null) {
          const length = count * pageSize;
          let written = 0;
          while (written < length)
            written += writeSync(out, bytes, written, length - written, (first - 1) * pageSize + written);
        }
        for (let i = 0; i < count; i++)
          state.setPage(first + i, bytes.subarray(i * pageSize, (i + 1) * pageSize));
      },
      cancelled,
    );
    if (!done) return null;
  } finally {
    if (out !== null) closeSync(out);
  }
  // On a thread of the runtime's pool: flushing a base of gigabytes takes seconds on a busy disk,
  // in which the app would answer nothing.
  if (copyTo !== undefined) await fsyncFileAsync(copyTo);
  state.setSize(size);
  return state;
}
