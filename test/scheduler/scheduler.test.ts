import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLog } from "../../src/lib/log.ts";
import {
  BackupScheduler,
  type Cadence,
  describeCadence,
  type Timers,
} from "../../src/scheduler/scheduler.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";

/** Timers that fire only when the test says so, with the clock moved to their time. */
function fakeTimers(clock: ReturnType<typeof manualClock>) {
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

function setup(cadence: Cadence, run?: () => Promise<string>) {
  const clock = manualClock(new Date(2025, 8, 22, 14, 30, 0));
  const timers = fakeTimers(clock);
  const path = join(tempDir(), "backup.log");
  const log = createLog({ path, clock, echo: null });
  const runs: Date[] = [];
  const scheduler = new BackupScheduler({
    cadence,
    log,
    clock,
    timers,
    run:
      run ??
      (async () => {
        runs.push(clock());
        return "backup_x.db (1 MB)";
      }),
  });
  return { scheduler, clock, timers, runs, readLog: () => Bun.file(path).text() };
}

const HOUR = 3600_000;

describe("automatic backup scheduler", () => {
  test("every 6 hours from the start, with its status and the seed's log line", async () => {
    const { scheduler, timers, runs, readLog } = setup({ hours: 6 });
    scheduler.start();
    expect(await readLog()).toContain(
      "2025-09-22 14:30:00 - INFO - Automatic backup scheduler started (every 6 hours)",
    );
    expect(scheduler.status()).toMatchObject({ active: true, cadence: "every 6 hours", lastRun: null });
    expect(scheduler.status().nextRun).toBe(new Date(2025, 8, 22, 20, 30, 0).toISOString());

    await timers.advance(6 * HOUR - 1000);
    expect(runs).toHaveLength(0);
    await timers.advance(1000);
    expect(runs.map((d) => d.getHours())).toEqual([20]);
    await timers.advance(12 * HOUR);
    expect(runs.map((d) => d.getHours())).toEqual([20, 2, 8]);
    expect(scheduler.status().lastRun).toMatchObject({ ok: true, message: "backup_x.db (1 MB)" });
    expect(scheduler.status().nextRun).toBe(new Date(2025, 8, 23, 14, 30, 0).toISOString());
  });

  test("a cron schedule runs at the times croner computes", async () => {
    const { scheduler, timers, runs } = setup({ cron: "0 0 */4 * * *" });
    scheduler.start();
    expect(scheduler.status().cadence).toBe('on the schedule "0 0 */4 * * *"');
    await timers.advance(10 * HOUR);
    expect(runs.map((d) => `${d.getHours()}:${d.getMinutes()}`)).toEqual(["16:0", "20:0", "0:0"]);
  });

  test("pause and resume; stopped, nothing runs", async () => {
    const { scheduler, timers, runs, readLog } = setup({ hours: 1 });
    scheduler.start();
    scheduler.pause("boss");
    expect(scheduler.status()).toMatchObject({ active: false, paused: true, nextRun: null });
    await timers.advance(5 * HOUR);
    expect(runs).toHaveLength(0);
    scheduler.resume("boss");
    await timers.advance(HOUR);
    expect(runs).toHaveLength(1);
    scheduler.stop();
    await timers.advance(5 * HOUR);
    expect(runs).toHaveLength(1);
    expect(timers.armed).toBe(false);
    const log = await readLog();
    expect(log).toContain("Automatic backup scheduler paused by boss");
    expect(log).toContain("Automatic backup scheduler resumed by boss");
    expect(log).toContain("Automatic backup scheduler stopped");
  });

  test("never two runs at once: a run due while one is going is skipped", async () => {
    let finish: (v: string) => void = () => {};
    let started = 0;
    const { scheduler, timers, readLog } = setup({ hours: 1 }, () => {
      started++;
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    scheduler.start();
    await timers.advance(HOUR);
    expect(scheduler.status().running).toBe(true);
    await timers.advance(HOUR);
    expect(started).toBe(1);
    expect(await readLog()).toContain(
      "WARNING - Automatic backup skipped: the previous one is still running",
    );
    finish("done");
    await Bun.sleep(0);
    expect(scheduler.status().running).toBe(false);
    await timers.advance(HOUR);
    expect(started).toBe(2);
  });

  test("a failed run is shown in the status and the schedule goes on", async () => {
    let calls = 0;
    const { scheduler, timers } = setup({ hours: 2 }, async () => {
      calls++;
      throw new Error("not enough disk space (needs 1.2 GB, 300 MB free)");
    });
    scheduler.start();
    await timers.advance(2 * HOUR);
    expect(scheduler.status().lastRun).toMatchObject({
      ok: false,
      message: expect.stringContaining("disk space"),
    });
    await timers.advance(2 * HOUR);
    expect(calls).toBe(2);
  });

  test("after the PC slept past a run, the backup is taken soon after waking", async () => {
    const { scheduler, clock, timers, runs } = setup({ hours: 6 });
    scheduler.start();
    // The machine sleeps 20 hours: no timer fires meanwhile, then the clock jumps.
    clock.advance(20 * HOUR);
    await timers.advance(60_000);
    expect(runs).toHaveLength(1);
    expect(new Date(scheduler.status().nextRun as string).getTime() - (runs[0] as Date).getTime()).toBe(
      6 * HOUR,
    );
  });

  test("describes its cadence in words", () => {
    expect(describeCadence({ hours: 6 })).toBe("every 6 hours");
    expect(describeCadence({ hours: 1 })).toBe("every hour");
    expect(describeCadence({ hours: 0.5 })).toBe("every 30 minutes");
  });
});
