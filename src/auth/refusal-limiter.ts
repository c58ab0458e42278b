/** How many refusals of one address per window are written to the audit trail one by one. */
const REFUSALS_WRITTEN_PER_WINDOW = 5;
const REFUSAL_WINDOW_MS = 60_000;
/** Past this many addresses in their windows at once, every window is closed early. */
const MAX_OPEN_WINDOWS = 10_000;

interface Window {
  startedAt: number;
  lastAt: number;
  written: number;
  held: number;
}

/** Refusals of one address that were counted instead of written: one summary row for them. */
export interface HeldRefusals {
  address: string;
  count: number;
  /** The time of the last refusal counted. */
  lastAt: number;
}

/**
 * Decides which refusals of anonymous requests become audit rows: per client address the
 * first few in each minute are written, the rest are only counted, and when the window ends
 * their count is handed back once for a summary row. It keeps no timer: windows are closed by
 * the next refusal (of any address) after they end, or by `closeWindows` (the app's hourly
 * sweep and its stop), so nothing keeps a process alive.
 */
export function createRefusalLimiter(options: { perWindow?: number; windowMs?: number } = {}) {
  const perWindow = options.perWindow ?? REFUSALS_WRITTEN_PER_WINDOW;
  const windowMs = options.windowMs ?? REFUSAL_WINDOW_MS;
  // Insertion order is start order (a window is deleted when it closes), so the expired ones come first.
  const windows = new Map<string, Window>();

  function close(now: number, all: boolean): HeldRefusals[] {
    const held: HeldRefusals[] = [];
    for (const [address, w] of windows) {
      if (!all && now - w.startedAt < windowMs) break;
      windows.delete(address);
      if (w.held > 0) held.push({ address, count: w.held, lastAt: w.lastAt });
    }
    return held;
  }

  return {
    /**
     * Counts one refusal from `address` at `now` (ms). `write` says whether it gets its own row;
     * `closed` lists the counts of windows that ended meanwhile, each to be written as one row.
     */
    admit(address: string, now: number): { write: boolean; closed: HeldRefusals[] } {
      const closed = close(now, windows.size >= MAX_OPEN_WINDOWS);
      let w = windows.get(address);
      if (!w) {
        w = { startedAt: now, lastAt: now, written: 0, held: 0 };
        windows.set(address, w);
      }
      w.lastAt = now;
      if (w.written < perWindow) {
        w.written++;
        return { write: true, closed };
      }
      w.held++;
      return { write: false, closed };
    },

    /** Ends the windows that are over at `now`, or every window with `all`; returns their held counts. */
    closeWindows(now: number, all = false): HeldRefusals[] {
      return close(now, all);
    },
  };
}
