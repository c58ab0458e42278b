import { closeSync, openSync, read, statSync } from "node:fs";
import { hashPagesInWorker } from "../../inspect/worker-client.ts";
import { HASHER } from "./page-hasher.ts";
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

/** How many parts of pages are on their way to the hasher at most (each `PAGES_PER_READ` pages). */
const IN_FLIGHT = 4;

/** Reads `length` bytes at `position` into `buffer` at `offset` on the runtime's pool; fewer at the file's end. */
async function readAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      read(fd, buffer, offset + done, length - done, position + done, (error, bytes) =>
        error ? reject(error) : resolve(bytes),
      ),
    );
    if (n === 0) break;
    done += n;
  }
}

/** Pages `first`…`first + count - 1` of the file into `buffer` (zeros past its end and for the lock-byte page). */
async function readPart(fd: number, buffer: Uint8Array, first: number, count: number, pageSize: number) {
  const lockByte = lockBytePage(pageSize);
  buffer.fill(0, 0, count * pageSize);
  for (let i = 0; i < count; ) {
    const page = first + i;
    if (page === lockByte) {
      i++;
      continue;
    }
    const run = Math.min(count - i, page < lockByte ? lockByte - page : count - i);
    await readAt(fd, buffer, i * pageSize, run * pageSize, (page - 1) * pageSize);
    i += run;
  }
}

/**
 * The state (`StateHash`) of the database's pages 1…`size` as the file holds them with
 * `overlay`'s images put over (the write-ahead log's newest images of the pages it wrote), and
 * with `copyTo`, those pages copied into that new file, flushed; null when `cancelled()` (asked
 * between parts). The file must not change meanwhile beyond what `overlay` covers (a pinned read
 * transaction sees to that). SQLite's lock-byte page is never read (Windows locks it) and counts
 * as zeros. Nothing of it runs on the app's thread but handing parts on: the file is read on the
 * runtime's pool through the descriptor kept for it (`databaseDescriptor`), and the pages are
 * hashed and written in the backup worker (`hashPagesFrom`), through `IN_FLIGHT` slots of shared
 * memory, each read into again once the worker is done with it. Copying a base of gigabytes on
 * the app's thread kept Deno from answering for up to a second at 4 GB, even between parts.
 */
export async function statePages(
  path: string,
  pageSize: number,
  size: number,
  overlay: PageOverlay,
  cancelled: () => boolean,
  copyTo?: string,
): Promise<StateHash | null> {
  const fd = databaseDescriptor(path);
  const part = PAGES_PER_READ * pageSize;
  const shared = new SharedArrayBuffer(IN_FLIGHT * part);
  const control = new Int32Array(new SharedArrayBuffer(HASHER.length(IN_FLIGHT) * 4));
  const signalHasher = () => {
    Atomics.add(control, HASHER.SIGNAL, 1);
    Atomics.notify(control, HASHER.SIGNAL);
  };
  const free = Array.from({ length: IN_FLIGHT }, (_, slot) => slot);
  let wake = () => {};
  const stop = new AbortController();
  const hashed = hashPagesInWorker(
    { shared, control: control.buffer as SharedArrayBuffer, pageSize, copyTo: copyTo ?? null },
    (slot) => {
      free.push(slot);
      wake();
    },
    stop.signal,
  );
  let failure: { error: unknown } | null = null;
  hashed.catch((error: unknown) => {
    failure = { error };
    wake();
  });
  // A slot the hasher is done with.
  const slotToFill = async (): Promise<number> => {
    for (;;) {
      if (failure) throw failure.error;
      const slot = free.pop();
      if (slot !== undefined) return slot;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  let finished = false;
  try {
    for (let first = 1; first <= size; first += PAGES_PER_READ) {
      if (cancelled()) return null;
      const count = Math.min(PAGES_PER_READ, size - first + 1);
      const slot = await slotToFill();
      const buffer = new Uint8Array(shared, slot * part, part);
      await readPart(fd, buffer, first, count, pageSize);
      for (let i = 0; i < count; i++) {
        const image = overlay.get(first + i);
        if (image) buffer.set(image, i * pageSize);
      }
      const at = HASHER.slot(slot);
      Atomics.store(control, at.first, first);
      Atomics.store(control, at.count, count);
      Atomics.store(control, at.state, HASHER.FILLED);
      signalHasher();
    }
    Atomics.store(control, HASHER.SIZE, size);
    Atomics.store(control, HASHER.END, 1);
    signalHasher();
    const state = StateHash.fromParts(await hashed);
    finished = true;
    return state;
  } finally {
    if (!finished) {
      // Cancelled or failed: the hasher stops at its next look, and its thread is given up (the
      // caller's leftovers are removed at the next start).
      Atomics.store(control, HASHER.CANCEL, 1);
      signalHasher();
      stop.abort(new Error("the copy was cancelled"));
    }
  }
}
