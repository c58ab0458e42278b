import { describe, expect, test } from "bun:test";
import { BackupBusyError } from "../../src/backup/errors.ts";
import { createLog } from "../../src/lib/log.ts";
import { DrillSchedule } from "../../src/scheduler/drills.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { fakeTimers } from "./fake-timers.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

function schedule(options: { days?: number; busy?: () => boolean } = {}) {
  const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const timers = fakeTimers(clock);
  const runs: Date[] = [];
  let last: string | null = null;
  const lines: string[] = [];
  const drills = new DrillSchedule({
    intervalDays: options.days ?? 7,
    clock,
    timers,
    log: createLog({ path: `${tempDir()}/backup.log`, clock, echo: (_level, line) => lines.push(line) }),
    lastAt: () => last,
    run: async () => {
      if (options.busy?.()) throw new BackupBusyError(4242);
      runs.push(clock());
      last = clock().toISOString();
    },
  });
  return { drills, clock, timers, runs, lines };
}

describe("drill schedule", () => {
  test("the first drill runs soon after the start, then every interval from the last one", async () => {
    const { drills, timers, runs, clock } = schedule();
    const start = clock().getTime();
    drills.start();
    await timers.advance(4 * MINUTE);
    expect(runs).toEqual([]);
    await timers.advance(MINUTE);
    expect(runs.map((d) => d.getTime() - start)).toEqual([5 * MINUTE]);
    expect(drills.status()).toMatchObject({ intervalDays: 7, running: false });
    expect(drills.status().nextDue).toBe(new Date(start + 5 * MINUTE + 7 * DAY).toISOString());
    await timers.advance(7 * DAY);
    expect(runs.map((d) => d.getTime() - start)).toEqual([5 * MINUTE, 5 * MINUTE + 7 * DAY]);
  });

  test("a drill that finds the backups busy is tried again ten minutes later", async () => {
    let busy = true;
    const { drills, timers, runs, lines } = schedule({ busy: () => busy });
    drills.start();
    await timers.advance(5 * MINUTE);
    expect(runs).toEqual([]);
    expect(lines.at(-1)).toContain(
      "Restore drill postponed (Another backup or restore is running (process 4242)",
    );
    busy = false;
    await timers.advance(9 * MINUTE);
    expect(runs).toHaveLength(0);
    await timers.advance(MINUTE);
    expect(runs).toHaveLength(1);
  });

  test("0 days turns scheduled drills off, at once; another interval applies at once", async () => {
    const { drills, timers, runs } = schedule({ days: 0 });
    drills.start();
    expect(timers.armed).toBe(false);
    expect(drills.status().nextDue).toBeNull();
    await timers.advance(30 * DAY);
    expect(runs).toEqual([]);
    drills.setIntervalDays(1);
    await timers.advance(MINUTE);
    expect(runs).toHaveLength(1);
    await timers.advance(DAY);
    expect(runs).toHaveLength(2);
    drills.stop();
    expect(timers.armed).toBe(false);
  });
});
