import { describe, expect, test } from "bun:test";
import { AlertMonitor } from "../../src/app/alert-monitor.ts";
import type { OffsiteHealth } from "../../src/app/alerts.ts";
import { makeSetup, manualClock } from "../backup/fixtures.ts";

describe("the alert monitor", () => {
  test("the off-site hook: an off-site status that reports failures raises offsite_failing, and its success clears it", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const { app, engine } = makeSetup({ clock });
    await engine.createBackup({ kind: "manual" });
    let offsite: OffsiteHealth | null = null;
    const monitor = new AlertMonitor({
      engine,
      scheduler: app.scheduler,
      drills: app.drills,
      settings: () => app.settings.current.settings,
      clock,
      log: app.log,
      offsiteStatus: () => offsite,
    });
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
});
