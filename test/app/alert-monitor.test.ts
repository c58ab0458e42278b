import { describe, expect, test } from "bun:test";
import { AlertMonitor, type AlertMonitorDeps } from "../../src/app/alerts/alert-monitor.ts";
import type { OffsiteHealth } from "../../src/app/alerts/alerts.ts";
import { makeSetup, manualClock } from "../backup/fixtures.ts";

const MB = 1024 * 1024;
const DAY = 86_400_000;

/** A monitor of a test setup's app, on the test's clock, with the hooks given. */
function monitorOf(
  { app, engine }: ReturnType<typeof makeSetup>,
  clock: AlertMonitorDeps["clock"],
  hooks: Partial<AlertMonitorDeps> = {},
) {
  return new AlertMonitor({
    engine,
    scheduler: app.scheduler,
    drills: app.drills,
    settings: () => app.settings.current.settings,
    clock,
    log: app.log,
    ...hooks,
  });
}

describe("the alert monitor", () => {
  test("the off-site hook: an off-site status that reports failures raises offsite_failing, and its success clears it", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const setup = makeSetup({ clock });
    const { app, engine } = setup;
    await engine.createBackup({ kind: "manual" });
    let offsite: OffsiteHealth | null = null;
    const monitor = monitorOf(setup, clock, { offsiteStatus: () => offsite });
    expect(monitor.refresh()).toEqual([]);
    offsite = { failingSince: clock().toISOString(), lastError: "the mirror folder is not there" };
    clock.advance(60_000);
    expect(monitor.current().map((a) => a.id)).toEqual(["offsite_failing"]);
    expect(monitor.current()[0]?.message).toContain("the mirror folder is not there");
    offsite = { failingSince: null, lastError: null };
    clock.advance(60_000);
    expect(monitor.current()).toEqual([]);
    await monitor.settled();
    expect(await Bun.file(app.paths.log).text()).toContain("INFO - Alert cleared: offsite failing");
  });

  test("disk_full_soon: a database growing 1 MB a day on a disk with room for a day more is an alert, and room enough clears it", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const space = { free: 45 * MB };
    const setup = makeSetup({ clock, freeSpace: () => space.free });
    const { app, engine, db } = setup;
    for (let day = 0; day < 3; day++) {
      if (day > 0) clock.advance(DAY);
      db.sqlite.run("INSERT INTO items (name, payload) VALUES ('day', randomblob(1000000))");
      await engine.createBackup({ kind: "automatic" });
    }
    const monitor = monitorOf(setup, clock);
    // Ten kept by number and the calendar's (36 at most), four a day (every 6 hours), each about 1 MB more a
    // day: the room runs out within a couple of days.
    expect(monitor.refresh().map((a) => a.id)).toEqual(["disk_full_soon"]);
    const forecast = monitor.forecast();
    expect(forecast?.state).toBe("full");
    expect(forecast?.days).toBeLessThan(3);
    expect(forecast?.basis).toMatchObject({ keptBackups: 36, backupsPerDay: 4, samples: 3, historyDays: 2 });
    expect(forecast?.basis.growthBytesPerDay).toBeGreaterThan(900_000);
    expect(monitor.current()[0]?.message).toMatch(
      /^At this rate the disk that holds the backups is full (within a day|in about (a day|2 days)): a backup is /,
    );
    space.free = 1e12;
    clock.advance(60_000);
    expect(monitor.current()).toEqual([]);
    expect(monitor.forecast()?.state).toBe("no_end_in_sight");
    await monitor.settled();
    expect(await Bun.file(app.paths.log).text()).toContain("INFO - Alert cleared: disk full soon");
  });
});
