import type { Timers } from "../../src/lib/timers.ts";
import type { manualClock } from "../backup/fixtures.ts";

/** Timers that fire only when the test says so, with the clock moved to their time. */
export function fakeTimers(clock: ReturnType<typeof manualClock>) {
  let pending: { fn: () => void; at: number; id: number } | null = null;
  let ids = 0;
  const timers: Timers = {
    set(fn, ms) {
      pending = { fn, at: clock().getTime() + ms, id: ++ids };
      return pending.id;
    },
    clear(id) {
      if (pending?.id === id) pending = null;
    },
  };
  return Object.assign(timers, {
    /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
    async advance(ms: number) {
      const end = clock().getTime() + ms;
      while (pending && pending.at <= end) {
        const { fn, at } = pending;
        pending = null;
        clock.advance(Math.max(0, at - clock().getTime()));
        fn();
        await Bun.sleep(0);
      }
      clock.advance(Math.max(0, end - clock().getTime()));
    },
    get armed() {
      return pending !== null;
    },
  });
}
