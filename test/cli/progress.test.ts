import { describe, expect, test } from "bun:test";
import { describeProgress, showProgress } from "../../src/cli/progress.ts";
import type { Timers } from "../../src/lib/timers.ts";

/** A terminal that keeps what was written, a clock and timers moved by hand. */
function terminal(isTTY = true) {
  const written: string[] = [];
  let now = 0;
  let pending: { fn: () => void; at: number } | null = null;
  const timers: Timers = {
    set(fn, ms) {
      pending = { fn, at: now + ms };
      return pending;
    },
    clear(handle) {
      if (pending === handle) pending = null;
    },
  };
  return {
    sink: { isTTY, write: (text: string) => written.push(text) },
    written,
    now: () => now,
    timers,
    /** Moves the clock on, firing the timer each time it falls due. */
    advance(ms: number) {
      const end = now + ms;
      while (pending && pending.at <= end) {
        const { fn, at } = pending;
        pending = null;
        now = at;
        fn();
      }
      now = end;
    },
  };
}

describe("progress on a terminal", () => {
  test("a line says how far, how fast and how long still: bytes of the expected total", () => {
    expect(
      describeProgress({ label: "Backing up x.db", done: 512 * 1024 ** 2, total: 1024 ** 3 }, 4000),
    ).toBe("Backing up x.db: 50% of 1.0 GB, 128 MB/s, 4 s left");
    expect(describeProgress({ label: "Restoring x.db", done: 1024 ** 3, total: 1024 ** 3 }, 8000)).toBe(
      "Restoring x.db: 100% of 1.0 GB",
    );
    expect(describeProgress({ label: "Checking x.db (2 of 5)", done: 0, total: 0 }, 1500)).toBe(
      "Checking x.db (2 of 5)",
    );
  });

  test("nothing for the first second; then the line, redrawn in place; cleared at the end", () => {
    const t = terminal();
    let done = 0;
    const shown = showProgress(t.sink, () => ({ label: "Backing up x.db", done, total: 1000 }), t);
    t.advance(900);
    expect(t.written).toEqual([]);
    done = 500;
    t.advance(200);
    expect(t.written.at(-1)).toStartWith("\r\u001b[KBacking up x.db: 50% of 1000 bytes");
    const count = t.written.length;
    t.advance(500);
    expect(t.written.length).toBeGreaterThan(count);
    shown.stop();
    expect(t.written.at(-1)).toBe("\r\u001b[K");
    t.advance(1000);
    expect(t.written.at(-1)).toBe("\r\u001b[K");
  });

  test("quiet in a pipe, with --json, and for work done within a second", () => {
    for (const [sink, quiet] of [
      [terminal(false), false],
      [terminal(true), true],
    ] as const) {
      const shown = showProgress(sink.sink, () => ({ label: "x", done: 1, total: 2 }), { ...sink, quiet });
      sink.advance(5000);
      shown.stop();
      expect(sink.written).toEqual([]);
    }
    const quick = terminal();
    const shown = showProgress(quick.sink, () => ({ label: "x", done: 1, total: 2 }), quick);
    quick.advance(800);
    shown.stop();
    expect(quick.written).toEqual([]);
  });
});
