import { describe, expect, test } from "bun:test";
import { type ForecastInput, forecastDiskFull } from "../../src/backup/catalog/forecast.ts";
import type { BackupKind } from "../../src/backup/catalog/names.ts";
import { runsPerDay } from "../../src/scheduler/cadence.ts";

const DAY = 86_400_000;
const MB = 1_000_000;
/** The margin a backup being written needs beyond its own size (`spaceNeeded`) for backups under 320 MB. */
const MARGIN = 16 * 1024 * 1024;
const now = new Date(2025, 8, 22, 9, 0, 0);

/** One verified backup a day, the newest now, of the sizes given (oldest first). */
function daily(sizes: number[], kind: BackupKind = "automatic"): ForecastInput["backups"] {
  return sizes.map((size, i) => ({
    kind,
    size,
    health: "verified",
    databaseId: "shop",
    createdAt: new Date(now.getTime() - (sizes.length - 1 - i) * DAY).toISOString(),
  }));
}

function input(change: Partial<ForecastInput>): ForecastInput {
  return {
    now,
    backups: [],
    keptAutomatic: { last: 10, daily: 0, weekly: 0, monthly: 0, yearly: 0 },
    backupsPerDay: 1,
    freeBytes: 100_000 * MB,
    continuous: null,
    ...change,
  };
}

describe("the disk-full forecast", () => {
  test("backups of one size, retention full, room enough: no end in sight", () => {
    const forecast = forecastDiskFull(input({ backups: daily(Array(10).fill(5 * MB)) }));
    expect(forecast.state).toBe("no_end_in_sight");
    expect(forecast.days).toBeNull();
    expect(forecast.basis).toMatchObject({
      backupBytes: 5 * MB,
      growthBytesPerDay: 0,
      keptBackups: 10,
      folderBytes: 50 * MB,
      steadyBytes: 55 * MB + MARGIN,
      samples: 10,
      historyDays: 9,
    });
  });

  test("a database growing 1 MB a day: full on the day ten kept backups and the next one outgrow the room", () => {
    // 11 to 20 MB over the last ten days; the disk's room for the folder is then 660 MB and the margin:
    // 10 kept backups of 60 MB and the next one being written, 40 days from now.
    const sizes = Array.from({ length: 10 }, (_, i) => (11 + i) * MB);
    const folder = sizes.reduce((a, b) => a + b, 0);
    const forecast = forecastDiskFull(
      input({ backups: daily(sizes), freeBytes: 660 * MB + MARGIN - folder }),
    );
    expect(forecast.state).toBe("full");
    expect(forecast.days).toBe(40);
    expect(forecast.fullAt?.slice(0, 10)).toBe(new Date(now.getTime() + 40 * DAY).toISOString().slice(0, 10));
    expect(forecast.basis.growthBytesPerDay).toBe(MB);
  });

  test("only the last 30 days make the trend, and a shrinking database counts as not growing", () => {
    // Old backups far smaller (long gone growth), then a database shrinking by an archive run.
    const old = daily([1 * MB, 1 * MB]).map((b) => ({
      ...b,
      createdAt: new Date(Date.parse(b.createdAt) - 60 * DAY).toISOString(),
    }));
    const forecast = forecastDiskFull(
      input({ backups: [...old, ...daily([30, 28, 26, 24].map((n) => n * MB))] }),
    );
    expect(forecast.state).toBe("no_end_in_sight");
    expect(forecast.basis).toMatchObject({ growthBytesPerDay: 0, samples: 4, backupBytes: 24 * MB });
  });

  test("too short a history: one backup, or two within a day, tell nothing yet", () => {
    expect(forecastDiskFull(input({ backups: daily([5 * MB]) })).state).toBe("not_enough_history");
    const twoToday = daily([5 * MB, 6 * MB]).map((b, i) => ({
      ...b,
      createdAt: new Date(now.getTime() - i * 2 * 3600_000).toISOString(),
    }));
    expect(forecastDiskFull(input({ backups: twoToday })).state).toBe("not_enough_history");
    // Uploaded files are someone else's database: they make no history of this one.
    const uploads = daily([5 * MB, 6 * MB, 7 * MB], "uploaded");
    // A manifest's size that is no size counts as nothing.
    const spoilt = daily([5 * MB, Number.NaN, -1]);
    expect(forecastDiskFull(input({ backups: spoilt })).basis).toMatchObject({
      samples: 1,
      folderBytes: 5 * MB,
    });
    expect(forecastDiskFull(input({ backups: uploads })).state).toBe("not_enough_history");
  });

  test("a disk nearly full: the next backup and its margin do not fit, so it is full now", () => {
    const forecast = forecastDiskFull(
      input({ backups: daily([5 * MB, 5 * MB, 5 * MB]), freeBytes: 10 * MB }),
    );
    expect(forecast).toMatchObject({ state: "full", days: 0, fullAt: now.toISOString() });
  });

  test("the schedule sets how soon retention fills: a daily cron schedule as every 24 hours, every 6 hours four times sooner", () => {
    expect(runsPerDay({ cron: "0 2 * * *" }, now)).toBe(1);
    expect(runsPerDay({ hours: 24 }, now)).toBe(1);
    expect(runsPerDay({ hours: 6 }, now)).toBe(4);
    // Hourly from 08:00 to 18:00, Monday to Saturday: 66 runs a week.
    expect(runsPerDay({ cron: "0 8-18 * * 1-6" }, now)).toBeCloseTo(66 / 7, 6);
    // Two backups of 10 MB so far, ten kept: the room holds seven and the next one, reached after five more.
    const room = { backups: daily([10 * MB, 10 * MB]), freeBytes: 60 * MB + MARGIN };
    const at = (cadence: Parameters<typeof runsPerDay>[0]) =>
      forecastDiskFull(input({ ...room, backupsPerDay: runsPerDay(cadence, now) })).days;
    expect(at({ cron: "0 2 * * *" })).toBe(5);
    expect(at({ hours: 6 })).toBe(1);
  });

  test("continuous protection younger than its kept days is counted as it will be once it reaches them", () => {
    const continuous = { bytes: 10 * MB, from: new Date(now.getTime() - DAY).toISOString(), keepDays: 7 };
    const forecast = forecastDiskFull(input({ backups: daily([5 * MB, 5 * MB]), continuous }));
    expect(forecast.basis).toMatchObject({ continuousBytes: 70 * MB, folderBytes: 20 * MB });
    // Turned off, what is there stays as it is.
    const off = forecastDiskFull(
      input({ backups: daily([5 * MB, 5 * MB]), continuous: { ...continuous, keepDays: null } }),
    );
    expect(off.basis.continuousBytes).toBe(10 * MB);
  });

  test("calendar retention fills by days, weeks and months, not at the schedule's pace: no alarm years early", () => {
    // Ten 5 MB backups kept by number, room for twenty (with the one being written): the calendar
    // adds one a day for a week, then one a week and one a month; the 19th kept one, and the disk
    // full, come after about 11 days, not the 3 that 36 backups at four a day would take.
    const keptAutomatic = { last: 10, daily: 7, weekly: 4, monthly: 12, yearly: 3 };
    const forecast = forecastDiskFull(
      input({
        backups: daily(Array(10).fill(5 * MB)),
        keptAutomatic,
        backupsPerDay: 4,
        freeBytes: 50 * MB + MARGIN,
      }),
    );
    expect(forecast.state).toBe("full");
    expect(forecast.days).toBe(11);
    expect(forecast.basis.keptBackups).toBe(36);
  });
});
