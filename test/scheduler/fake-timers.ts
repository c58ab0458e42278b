import type { Timers } from "../../src/lib/timers.ts";
import type { manualClock } from "../backup/fixtures.ts";

/** Timers that fire only when the test says so, with the clock moved to their time. */
export function fakeTimers(clock: ReturnType<typeof manualClock>) {
  let pending: { fn: () => void; at: number; id: number }[] = [];
  let ids = 0;
  const timers: Timers = {
    set(fn, ms) {
      const timer = { fn, at: clock().getTime() + ms, id: ++ids };
      pending.push(timer);
      return timer.id;
    },
    clear(id) {
      pending = pending.filter((t) => t.id !== id);
    },
  };
  return Object.assign(timers, {
    /** Moves the clock forward by `ms`, firing every timer that falls due on the way, earliest first. */
    async advance(ms: number) {
      const end = clock().getTime() + ms;
      while (true) {
        const next = pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!next) break;
        pending = pending.filter((t) => t !== next);
        clock.advance(Math.max(0, next.at - clock().getTime()));
        next.fn();
        await Bun.sleep(0);
      }
      clock.advance(Math.max(0, end - clock().getTime()));
    },
    get armed() {
      return pending.length > 0;
    },
  });
}
