import { closeSync, openSync } from "node:fs";
import { fsyncFile, writeAll } from "../../../lib/files/fs-sync.ts";
import { PAGES_PER_READ, StateHash, type StateParts } from "./state-hash.ts";

/**
 * How the app's thread hands parts of pages to the hasher in the backup worker: both share the
 * pages (`PAGES_PER_READ` per slot) and these numbers. A slot the app filled says where its pages
 * go (`FIRST`, `COUNT`) and is marked `FILLED`; the hasher marks it free again and tells the app
 * (a note). `SIGNAL` counts the slots filled and wakes the hasher; `END` says every part was
 * handed over, with the database's size in pages in `SIZE`; `CANCEL` ends it early.
 */
export const HASHER = {
  SIGNAL: 0,
  END: 1,
  SIZE: 2,
  CANCEL: 3,
  /** The numbers of `slot`: its state (0 free, 1 filled), its first page, its count of pages. */
  slot: (slot: number) => ({ state: 4 + slot * 3, first: 5 + slot * 3, count: 6 + slot * 3 }),
  /** How many numbers `slots` slots need. */
  length: (slots: number) => 4 + slots * 3,
  FILLED: 1,
} as const;

/** How long the hasher waits for a part before it looks again (a cancel, a thread ended). */
const WAIT_MS = 200;

/**
 * In the backup worker: the state (`StateHash`) of the database's pages as the app's thread puts
 * them in the slots of `shared` (see `HASHER`), in any order, and with `copyTo` those pages
 * written into that new file at their place, flushed at the end. Each slot is told (`done`) once
 * it is free again. Only numbers cross between the threads, and the answer's page hashes come in
 * shared memory: Deno copies a typed array between threads at about 60 ms per MiB.
 */
export function hashPagesFrom(
  args: { shared: SharedArrayBuffer; control: SharedArrayBuffer; pageSize: number; copyTo: string | null },
  done: (slot: number) => void,
): StateParts {
  const { pageSize, copyTo } = args;
  const part = PAGES_PER_READ * pageSize;
  const control = new Int32Array(args.control);
  const slots = Math.floor(args.shared.byteLength / part);
  const out = copyTo === null ? null : openSync(copyTo, "wx", 0o600);
  const state = new StateHash(pageSize);
  try {
    for (;;) {
      const signal = Atomics.load(control, HASHER.SIGNAL);
      const ended = Atomics.load(control, HASHER.END) === 1;
      let found = false;
      for (let slot = 0; slot < slots; slot++) {
        const at = HASHER.slot(slot);
        if (Atomics.load(control, at.state) !== HASHER.FILLED) continue;
        found = true;
        const first = Atomics.load(control, at.first);
        const count = Atomics.load(control, at.count);
        const bytes = new Uint8Array(args.shared, slot * part, part);
        if (out !== null) writeAll(out, bytes.subarray(0, count * pageSize), (first - 1) * pageSize);
        for (let i = 0; i < count; i++)
          state.setPage(first + i, bytes.subarray(i * pageSize, (i + 1) * pageSize));
        Atomics.store(control, at.state, 0);
        done(slot);
      }
      if (Atomics.load(control, HASHER.CANCEL) === 1) throw new Error("the copy was cancelled");
      // Every part was handed over before the end was marked, and none was left filled after it.
      if (ended && !found) break;
      if (!found) Atomics.wait(control, HASHER.SIGNAL, signal, WAIT_MS);
    }
  } finally {
    if (out !== null) closeSync(out);
  }
  if (copyTo !== null) fsyncFile(copyTo);
  state.setSize(Atomics.load(control, HASHER.SIZE));
  const parts = state.parts();
  const hashes = new Uint8Array(new SharedArrayBuffer(parts.hashes.byteLength));
  hashes.set(parts.hashes);
  return { ...parts, hashes };
}
