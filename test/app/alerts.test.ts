import { describe, expect, test } from "bun:test";
import { type AlertInput, computeAlerts } from "../../src/app/alerts/alerts.ts";
import type { DrillResult } from "../../src/backup/catalog/drill-record.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const start = new Date(2025, 8, 22, 9, 0, 0);
const at = (ms: number) => new Date(start.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();
const MB = 1024 * 1024;

/** A shop that is fine at `start`: a backup just made, a drill passed, room enough. */
function input(change: Partial<AlertInput> = {}): AlertInput {
  return {
    now: start,
    cadence: { hours: 6 },
    lastAutomaticRun: { at: iso(0), ok: true, message: "backup_20250922_090000.db (1 MB)" },
    latestHealthy: { createdAt: iso(0) },
    drill: { intervalDays: 7, last: drillAt(0, true) },
    watchingSince: iso(-30 * DAY),
    freeBytes: 10_000 * MB,
    databaseBytes: 100 * MB,
    ...change,
  };
}

function drillAt(ms: number, ok: boolean): DrillResult {
  return {
    at: iso(ms),
    ok,
    reason: ok
      ? null
      : "the restored copy differs from the backup: table `items` has 7 rows, 10 when the backup was made",
    backup: "backup_20250922_090000.db",
    durationMs: 1200,
    tables: 3,
    rows: 10,
  };
}

const ids = (given: AlertInput) => computeAlerts(given).map((a) => a.id);

describe("alerts", () => {
  test("none while all is well", () => {
    expect(computeAlerts(input())).toEqual([]);
  });

  test("the last automatic backup failed: raised, and cleared by the next good backup", () => {
    const failed = input({
      now: at(6 * HOUR + 60_000),
      lastAutomaticRun: {
        at: iso(6 * HOUR),
        ok: false,
        message: "not enough disk space (needs 210 MB, 12 MB free)",
      },
    });
    const [alert] = computeAlerts(failed);
    expect(alert).toEqual({
      id: "automatic_backup_failed",
      since: iso(6 * HOUR),
      message:
        "The last automatic backup failed 1 minute ago: not enough disk space (needs 210 MB, 12 MB free).",
      action:
        "Put that right, then create a backup on the Database Backup page; the app tries again by itself meanwhile.",
    });
    // Only a failure without a reason guesses at one.
    const unexplained = input({ ...failed, lastAutomaticRun: { at: iso(6 * HOUR), ok: false, message: "" } });
    expect(computeAlerts(unexplained)[0]?.action).toContain(
      "Look at the log for the reason (often a full disk)",
    );
    // A manual backup after the failure makes up for it.
    expect(ids({ ...failed, latestHealthy: { createdAt: iso(6 * HOUR + 30_000) } })).toEqual([]);
  });

  test("no good backup for two runs of the interval: raised as the clock moves on, cleared by a backup", () => {
    expect(ids(input({ now: at(12 * HOUR) }))).toEqual([]);
    expect(ids(input({ now: at(12 * HOUR + 14 * 60_000) }))).toEqual([]);
    const late = input({ now: at(12 * HOUR + 15 * 60_000) });
    expect(computeAlerts(late)[0]).toMatchObject({
      id: "backup_stale",
      since: iso(12 * HOUR + 15 * 60_000),
      message:
        "The newest good backup was made today at 09:00, though automatic backups are due every 6 hours.",
    });
    expect(ids({ ...late, latestHealthy: { createdAt: iso(12 * HOUR) } })).toEqual([]);
  });

  test("on a cron schedule the gap is the schedule's own: a weekend without backups is no alert", () => {
    // Weekdays at 18:00; the newest backup from Friday 18:00 (26 Sep 2025).
    const friday = new Date(2025, 8, 26, 18, 0, 0);
    const cron = { cron: "0 18 * * 1-5" };
    const base = input({ cadence: cron, latestHealthy: { createdAt: friday.toISOString() } });
    expect(ids({ ...base, now: new Date(2025, 8, 29, 9, 0, 0) })).toEqual([]);
    // Monday 18:00 and Tuesday 18:00 both passed without one.
    expect(ids({ ...base, now: new Date(2025, 8, 30, 18, 16, 0) })).toEqual(["backup_stale"]);
    expect(computeAlerts({ ...base, now: new Date(2025, 8, 30, 18, 16, 0) })[0]?.message).toContain(
      'made 4 days ago, though automatic backups are due on the schedule "0 18 * * 1-5"',
    );
  });

  test("no good backup at all: raised once two runs have passed since the app started watching", () => {
    const none = input({ latestHealthy: null, watchingSince: iso(0), lastAutomaticRun: null });
    expect(ids({ ...none, now: at(HOUR) })).toEqual([]);
    expect(computeAlerts({ ...none, now: at(13 * HOUR) })[0]?.message).toBe(
      "There is no good backup of the database.",
    );
    // Nothing known of when watching began (the status command on a folder the app never ran on): at once.
    expect(ids({ ...none, watchingSince: null })).toEqual(["backup_stale"]);
  });

  test("the last restore drill failed: raised, cleared by the next drill that passes", () => {
    const failed = input({
      now: at(DAY),
      latestHealthy: { createdAt: iso(DAY) },
      drill: { intervalDays: 7, last: drillAt(0, false) },
    });
    expect(computeAlerts(failed)[0]).toMatchObject({
      id: "drill_failed",
      since: iso(0),
      message:
        "The last restore drill failed yesterday at 09:00: the restored copy differs from the backup: table `items` has 7 rows, 10 when the backup was made.",
    });
    // A failed drill is news even with scheduled drills off.
    expect(ids({ ...failed, drill: { intervalDays: 0, last: drillAt(0, false) } })).toEqual(["drill_failed"]);
    expect(ids({ ...failed, drill: { intervalDays: 7, last: drillAt(DAY - HOUR, true) } })).toEqual([]);
  });

  test("off-site drills: a failed place raises one alert naming it, cleared by a pass; overdue only for a place with copies", () => {
    const place = (label: string, copies: number | null, last: DrillResult | null) => ({
      label,
      copies,
      last,
    });
    const failedMirror = place("the mirror folder", 2, drillAt(0, false));
    const failing = input({ now: at(HOUR), placeDrills: [failedMirror, place("S3", 3, drillAt(0, true))] });
    expect(computeAlerts(failing)).toEqual([
      {
        id: "offsite_drill_failed",
        since: iso(0),
        message:
          "The last off-site drill of the mirror folder failed 1 hour ago with backup_20250922_090000.db: the restored copy differs from the backup: table `items` has 7 rows, 10 when the backup was made.",
        action: expect.stringContaining("business-app drill --from mirror or s3"),
      },
    ]);
    expect(
      ids(input({ now: at(HOUR), placeDrills: [place("the mirror folder", 2, drillAt(HOUR, true))] })),
    ).toEqual([]);
    // Twice the weekly interval without a drill: only the place that holds copies is said.
    const late = {
      now: at(14 * DAY),
      latestHealthy: { createdAt: iso(14 * DAY) },
      lastAutomaticRun: null,
      drill: { intervalDays: 7, last: drillAt(14 * DAY - HOUR, true) },
    };
    const overdue = input({
      ...late,
      placeDrills: [place("the mirror folder", 1, drillAt(0, true)), place("S3", 0, null)],
    });
    expect(computeAlerts(overdue)).toMatchObject([
      {
        id: "offsite_drill_overdue",
        since: iso(14 * DAY),
        message: "The last off-site drill of the mirror folder ran on 22 Sep; one should run every 7 days.",
      },
    ]);
    expect(
      ids(input({ ...late, placeDrills: [place("S3", 0, null), place("the mirror folder", null, null)] })),
    ).toEqual([]);
    expect(ids({ ...overdue, drill: { intervalDays: 0, last: drillAt(0, true) } })).toEqual([]);
  });

  test("no drill in twice its interval: raised after 14 days of a weekly drill, never when drills are off", () => {
    const passed = { intervalDays: 7, last: drillAt(0, true) };
    const fresh = { latestHealthy: { createdAt: iso(14 * DAY) }, lastAutomaticRun: null };
    expect(ids(input({ now: at(14 * DAY - 60_000), drill: passed, ...fresh }))).toEqual([]);
    const overdue = input({ now: at(14 * DAY), drill: passed, ...fresh });
    expect(computeAlerts(overdue)[0]).toMatchObject({ id: "drill_overdue", since: iso(14 * DAY) });
    expect(ids({ ...overdue, drill: { intervalDays: 0, last: drillAt(0, true) } })).toEqual([]);
    // None yet: counted from when the app started watching.
    const never = { ...overdue, drill: { intervalDays: 7, last: null }, watchingSince: iso(0) };
    expect(computeAlerts(never)[0]?.message).toBe(
      "No restore drill has run yet; one should run every 7 days.",
    );
    expect(ids({ ...never, drill: { intervalDays: 7, last: drillAt(14 * DAY - HOUR, true) } })).toEqual([]);
  });

  test("free space below two backups: raised, cleared when room is made", () => {
    // Two backups of a 100 MB database need 2 × (100 MB + 16 MB margin).
    const low = input({ freeBytes: 231 * MB });
    expect(computeAlerts(low)[0]).toMatchObject({
      id: "low_disk_space",
      message: "Only 231 MB of disk space is free where the backups are kept; two more backups need 232 MB.",
    });
    expect(ids({ ...low, freeBytes: 232 * MB })).toEqual([]);
    expect(ids({ ...low, freeBytes: null })).toEqual([]);
  });

  test("the disk full in under 14 days by the forecast: disk_full_soon, unless the disk is nearly full already (low_disk_space says it)", () => {
    const basis = {
      freeBytes: 900 * MB,
      folderBytes: 2000 * MB,
      backupBytes: 200 * MB,
      growthBytesPerDay: 5 * MB,
      keptBackups: 10,
      backupsPerDay: 4,
      continuousBytes: 0,
      steadyBytes: 2216 * MB,
      samples: 30,
      historyDays: 29.8,
    };
    const soon = input({ forecast: { state: "full", days: 13, fullAt: iso(13 * DAY), basis } });
    expect(computeAlerts(soon)[0]).toMatchObject({
      id: "disk_full_soon",
      message:
        "At this rate the disk that holds the backups is full in about 13 days: a backup is 200 MB, growing 5.0 MB a day, 10 automatic ones are kept, and 900 MB is free.",
    });
    expect(ids({ ...soon, forecast: { state: "full", days: 14, fullAt: iso(14 * DAY), basis } })).toEqual([]);
    expect(ids({ ...soon, forecast: { state: "no_end_in_sight", days: null, fullAt: null, basis } })).toEqual(
      [],
    );
    expect(ids({ ...soon, freeBytes: 231 * MB })).toEqual(["low_disk_space"]);
  });

  test("off-site copies failing (the off-site status hook): raised while failing, cleared when they succeed", () => {
    const failing = input({
      offsite: { failingSince: iso(-2 * HOUR), lastError: "the bucket refused the key" },
    });
    expect(computeAlerts(failing)[0]).toMatchObject({
      id: "offsite_failing",
      since: iso(-2 * HOUR),
      message:
        "Off-site copies of the backups have been failing since 2 hours ago: the bucket refused the key.",
    });
    expect(
      ids({ ...failing, offsite: { failingSince: null, lastError: "the bucket refused the key" } }),
    ).toEqual([]);
    expect(ids({ ...failing, offsite: null })).toEqual([]);
  });

  test("continuous protection down: said after two minutes with the reason, cleared once it captures", () => {
    const problem = "capturing failed: ENOSPC: no space left on device, write";
    const down = (ms: number) => input({ continuous: { downSince: iso(-ms), problem } });
    expect(ids(down(60_000))).toEqual([]);
    expect(computeAlerts(down(3 * 60_000))[0]).toMatchObject({
      id: "continuous_lagging",
      since: iso(-3 * 60_000),
      message: `Changes have not been captured since 3 minutes ago: ${problem}.`,
    });
    expect(ids(input({ continuous: { downSince: null, problem } }))).toEqual([]);
    expect(ids(input({ continuous: null }))).toEqual([]);
  });

  test("a place more than five minutes behind: continuous_lagging names it and why", () => {
    const places = [
      { label: "the mirror folder", lagSeconds: 0, problem: null },
      { label: "S3", lagSeconds: 3600, problem: "the storage service cannot be reached" },
    ];
    expect(computeAlerts(input({ continuous: { downSince: null, problem: null, places } }))[0]).toMatchObject(
      {
        id: "continuous_lagging",
        message: "Changes have not reached S3 since 1 hour ago: the storage service cannot be reached.",
      },
    );
    const close = places.map((p) => ({ ...p, lagSeconds: 299 }));
    expect(ids(input({ continuous: { downSince: null, problem: null, places: close } }))).toEqual([]);
  });
});
