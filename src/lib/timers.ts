/** Timers, passed in so tests can fire them without waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const waitCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks this thread for `ms` milliseconds: only for a short wait inside a synchronous step that
 * must not yield (nothing else runs meanwhile). Nothing ever notifies the cell, so the wait lasts.
 */
export function waitSync(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

/** How long work may run in bursts let go only by `setImmediate` before a timer lets everything else in. */
const BURST_MS = 10;
let lastFullTurn = 0;

/**
 * Lets the event loop go on between two parts of a long piece of work: usually by
 * `setImmediate` (cheap), at least every `BURST_MS` by a timer, which costs about a millisecond.
 * Immediates alone are not enough: Bun runs immediates queued one after another before its
 * timers, and Deno before it reads the network, so the app answered no request until the work
 * was done (150–400 ms per request while a base of 500 MB was copied).
 */
export function letOthersRun(): Promise<void> {
  const now = performance.now();
  if (now - lastFullTurn < BURST_MS) return new Promise((resolve) => setImmediate(resolve));
  lastFullTurn = now;
  return new Promise((resolve) => setTimeout(resolve, 0));
}
