import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLog } from "../../src/lib/log.ts";
import { retryTime } from "../../src/scheduler/cadence.ts";
import { BackupScheduler, type Cadence, describeCadence } from "../../src/scheduler/scheduler.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { fakeTimers } from "./fake-timers.ts";

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

  test("a failed run is shown and retried after 1, 2, 4, 8 … minutes, never past the next regular run", async () => {
    const tries: Date[] = [];
    const { scheduler, clock, timers, readLog } = setup({ hours: 2 }, async () => {
      tries.push(clock());
      throw new Error("not enough disk space (needs 1.2 GB, 300 MB free)");
    });
    scheduler.start();
    await timers.advance(2 * HOUR);
    expect(scheduler.status().lastRun).toMatchObject({
      ok: false,
      message: expect.stringContaining("disk space"),
    });
    expect(scheduler.status().retryAt).toBe(new Date(2025, 8, 22, 16, 31, 0).toISOString());
    expect(await readLog()).toContain(
      "2025-09-22 16:30:00 - INFO - Automatic backup will be tried again at 2025-09-22 16:31:00",
    );
    await timers.advance(2 * HOUR);
    const shown = tries.map((d) => `${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`);
    // 64 minutes after 17:33 would be 18:37, past the regular run at 18:30: that one comes instead.
    expect(shown).toEqual(["16:30", "16:31", "16:33", "16:37", "16:45", "17:01", "17:33", "18:30"]);
    expect(scheduler.status().retryAt).toBe(new Date(2025, 8, 22, 18, 31, 0).toISOString());
  });

  test("a run that met a busy engine is tried again a minute later; the schedule goes on as before", async () => {
    let calls = 0;
    const { scheduler, timers, readLog } = setup({ hours: 6 }, async () => {
      calls++;
      if (calls === 1)
        throw new Error("Another backup or restore is running. Try again when it has finished.");
      return "backup_x.db (1 MB)";
    });
    scheduler.start();
    await timers.advance(6 * HOUR);
    expect(scheduler.status()).toMatchObject({
      lastRun: { ok: false },
      retryAt: new Date(2025, 8, 22, 20, 31, 0).toISOString(),
      nextRun: new Date(2025, 8, 23, 2, 30, 0).toISOString(),
    });
    await timers.advance(60_000);
    expect(calls).toBe(2);
    expect(scheduler.status()).toMatchObject({
      lastRun: { ok: true, at: new Date(2025, 8, 22, 20, 31, 0).toISOString() },
      retryAt: null,
      nextRun: new Date(2025, 8, 23, 2, 30, 0).toISOString(),
    });
    await timers.advance(6 * HOUR);
    expect(calls).toBe(3);
    expect(await readLog()).toContain("Automatic backup will be tried again at 2025-09-22 20:31:00");
  });

  test("pausing drops a pending retry; a failure after a success starts again at one minute", async () => {
    let fail = true;
    let calls = 0;
    const { scheduler, timers } = setup({ hours: 1 }, async () => {
      calls++;
      if (fail) throw new Error("disk full");
      return "ok";
    });
    scheduler.start();
    await timers.advance(HOUR);
    expect(scheduler.status().retryAt).not.toBeNull();
    scheduler.pause("boss");
    expect(scheduler.status().retryAt).toBeNull();
    await timers.advance(10 * 60_000);
    expect(calls).toBe(1);
    scheduler.resume("boss");
    fail = false;
    await timers.advance(HOUR);
    expect(calls).toBe(2);
    fail = true;
    await timers.advance(HOUR);
    expect(calls).toBe(3);
    const failedAt = new Date(scheduler.status().lastRun?.at as string).getTime();
    expect(new Date(scheduler.status().retryAt as string).getTime() - failedAt).toBe(60_000);
  });

  test("retry times double from one minute and stop before the next regular run", () => {
    const failedAt = new Date(2025, 8, 22, 12, 0, 0);
    const next = new Date(2025, 8, 22, 13, 0, 0);
    const minutesAfter = (failures: number) => {
      const at = retryTime(failures, failedAt, next);
      return at === null ? null : (at.getTime() - failedAt.getTime()) / 60_000;
    };
    expect([1, 2, 3, 4, 5, 6, 7].map(minutesAfter)).toEqual([1, 2, 4, 8, 16, 32, null]);
    expect(retryTime(1, failedAt, new Date(failedAt.getTime() + 60_000))).toBeNull();
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
