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
