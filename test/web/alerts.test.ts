import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { manualClock } from "../backup/fixtures.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";
import { form, makeWebApp } from "./app-fixture.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function shop() {
  const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const timers = fakeTimers(clock);
  const space = { free: 1e12 };
  const web = makeWebApp({ clock, timers, freeSpace: () => space.free });
  const health = async () =>
    (await (await web.request("/api/health")).json()) as { status: string; reasons?: string[] };
  return { web, clock, timers, space, health };
}

describe("alerts where people look", () => {
  test("no recent backup and little disk space: raised and cleared as the clock moves, on /api/health, the banner and /api/status", async () => {
    const { web, clock, space, health } = shop();
    await web.engine.createBackup({ kind: "manual", description: "Opening stock" });
    await web.engine.settled();
    expect(await health()).toEqual({ status: "ok" });
    // Six-hourly backups that do not happen (the app was closed, say): two runs and a quarter of an hour later, an alert.
    clock.advance(12 * HOUR + 14 * MINUTE);
    expect(await health()).toEqual({ status: "ok" });
    clock.advance(MINUTE);
    expect(await health()).toEqual({ status: "degraded", reasons: ["backup_stale"] });
    // Signed in now (a session from before would have ended after 12 idle hours).
    const anna = await web.as("user");
    const home = await (await web.request("/", { cookie: anna.token })).text();
    expect(home).toContain('id="alert-banner"');
    expect(home).toContain(
      "The newest good backup was made today at 09:00, though automatic backups are due every 6 hours.",
    );
    const users = await (await web.request("/backup/status", { cookie: anna.token })).text();
    expect(users).toContain('id="status-alerts"');
    expect(users).not.toContain('id="alert-banner"');
    const status = (await (await web.request("/api/status", { cookie: anna.token })).json()) as {
      alerts: { id: string; action: string }[];
    };
    expect(status.alerts.map((a) => a.id)).toEqual(["backup_stale"]);
    expect(status.alerts[0]?.action).toContain("create a backup now");
    // A backup puts it right; the alert is gone at the next look.
    await web.engine.createBackup({ kind: "manual" });
    clock.advance(MINUTE);
    expect(await health()).toEqual({ status: "ok" });
    expect(await (await web.request("/", { cookie: anna.token })).text()).not.toContain('id="alert-banner"');

    space.free = 1024;
    clock.advance(MINUTE);
    expect(await health()).toEqual({ status: "degraded", reasons: ["low_disk_space"] });
    space.free = 1e12;
    clock.advance(MINUTE);
    expect(await health()).toEqual({ status: "ok" });
  });

  test("a database not checked yet is said in a neutral colour, not the green of a good check", async () => {
    const web = makeWebApp();
    const anna = await web.as("user");
    const page = await (await web.request("/backup/status", { cookie: anna.token })).text();
    expect(page).toContain('<span class="muted">Not checked yet</span>');
    const home = await (await web.request("/", { cookie: anna.token })).text();
    expect(home).toContain('<p class="muted">Not checked yet</p>');
  });

  test("a clock set back a day: the next backup is dated after the newest, retention removes the oldest, and an alert says to set the clock", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const web = makeWebApp({ clock, env: { BUSINESS_APP_MAX_BACKUPS: "2" } });
    const health = async () =>
      (await (await web.request("/api/health")).json()) as { status: string; reasons?: string[] };
    const first = await web.engine.createBackup({ kind: "automatic" });
    clock.advance(HOUR);
    const second = await web.engine.createBackup({ kind: "automatic" });
    await web.engine.settled();
    clock.advance(-24 * HOUR);
    expect(await health()).toEqual({ status: "degraded", reasons: ["clock_behind"] });
    const third = await web.engine.createBackup({ kind: "automatic" });
    await web.engine.settled();
    // One second after the newest, not a day before it: the one made last is the newest.
    expect(third.name).toBe("backup_20250922_100001.db");
    expect(third.createdAt).toBe(new Date(Date.parse(second.createdAt) + 1000).toISOString());
    expect(web.engine.list().map((r) => r.name)).toEqual([third.name, second.name]);
    const log = readFileSync(web.paths.log, "utf8");
    expect(log).toContain(`Removed old backup: ${first.name}`);
    expect(log).toMatch(/WARNING - The PC's clock \(.+\) is behind the newest backup/);
    const anna = await web.as("admin");
    const status = (await (await web.request("/api/status", { cookie: anna.token })).json()) as {
      alerts: { id: string; message: string; action: string }[];
    };
    expect(status.alerts.map((a) => a.id)).toEqual(["clock_behind"]);
    expect(status.alerts[0]?.action).toContain("Set this PC's date and time");
    // Set right again, the alert is gone.
    clock.advance(24 * HOUR);
    expect(await health()).toEqual({ status: "ok" });
  });

  test("a failed automatic backup: raised when the scheduler's run fails, cleared when its retry succeeds", async () => {
    const { web, timers, space, health } = shop();
    await web.engine.createBackup({ kind: "manual" });
    // Its full check (a process of its own) done: a retry that finds it recording waits for it,
    // and the retry's run must be under way when the engine is asked whether it is idle.
    await web.engine.settled();
    web.scheduler.start();
    space.free = 0;
    await timers.advance(6 * HOUR);
    await web.engine.idle();
    await timers.advance(MINUTE / 2);
    expect(await health()).toEqual({
      status: "degraded",
      reasons: ["automatic_backup_failed", "low_disk_space"],
    });
    // Said once on each page (the status sentence, not again in the alerts beside it), with its
    // known reason and no guess; the Database Backup page sends nobody to itself.
    const anna = await web.as("user");
    for (const path of ["/", "/backup/status"]) {
      const html = await (await web.request(path, { cookie: anna.token })).text();
      expect(html.match(/automatic backup failed/gi)?.length).toBe(1);
      expect(html).toContain("not enough disk space");
      expect(html).not.toContain("often a full disk");
      expect(html).toContain("of disk space is free where the backups are kept");
    }
    const page = await (await web.request("/backup/status", { cookie: anna.token })).text();
    expect(page).not.toContain("Open Database Backup");
    const home = await (await web.request("/", { cookie: anna.token })).text();
    expect(home).toContain('href="/backup/status">Open Database Backup');
    space.free = 1e12;
    await timers.advance(MINUTE / 2);
    await web.engine.idle();
    await timers.advance(MINUTE);
    expect(await health()).toEqual({ status: "ok" });
    web.scheduler.stop();
  });

  test("a restore drill from the page: passed, then failed on a backup damaged after it was made, then passed again", async () => {
    const { web, health } = shop();
    const admin = await web.as("admin");
    const user = await web.as("user");
    const backup = await web.engine.createBackup({ kind: "manual", description: "Before the drill" });
    await web.engine.settled();
    const userPage = await (await web.request("/backup/status", { cookie: user.token })).text();
    expect(userPage).not.toContain("Test a restore now");
    expect(userPage).toContain("No restore drill has run yet.");
    const drill = () =>
      web.request("/backup/drill", {
        method: "POST",
        cookie: admin.token,
        ...form({ _csrf: admin.csrfToken }),
      });
    expect((await drill()).status).toBe(303);
    const passed = await (await web.request("/backup/status", { cookie: admin.token })).text();
    expect(passed).toContain(`Restore drill passed: ${backup.name} was restored into a temporary file`);
    expect(passed).toContain(`Last restore drill: passed just now with ${backup.name}.`);
    expect(passed).toContain("Test a restore now");

    const path = join(web.paths.backupsDir, backup.name);
    const bytes = readFileSync(path);
    bytes.fill(0x5a, bytes.length - 300, bytes.length - 200);
    writeFileSync(path, bytes);
    expect((await drill()).status).toBe(303);
    const status = (await (await web.request("/api/status", { cookie: admin.token })).json()) as {
      drill: { last: { ok: boolean; backup: string } };
      alerts: { id: string }[];
    };
    expect(status.drill.last).toMatchObject({ ok: false, backup: backup.name });
    expect(status.alerts.map((a) => a.id)).toContain("drill_failed");
    expect((await health()).reasons).toContain("drill_failed");
    const home = await (await web.request("/", { cookie: user.token })).text();
    expect(home).toContain(`Last restore drill: failed just now with ${backup.name}`);
    expect(home).toContain("The last restore drill failed just now");

    await web.engine.createBackup({ kind: "manual", description: "A good one" });
    await web.engine.settled();
    expect((await drill()).status).toBe(303);
    await web.request("/api/status", { cookie: admin.token });
    expect(await health()).toEqual({ status: "ok" });
    const trail = web.auth.audit.newest(10).filter((e) => e.action === "backup: drill");
    expect(trail.map((e) => e.outcome)).toEqual(["success", "failure", "success"]);
  });

  test("the disk-full forecast in /api/status and on the status panel: too little history at first, then room for the foreseeable future", async () => {
    const { web, clock } = shop();
    let anna = await web.as("user");
    const forecast = async () =>
      (
        (await (await web.request("/api/status", { cookie: anna.token })).json()) as {
          forecast: Record<string, unknown>;
        }
      ).forecast;
    expect(await forecast()).toMatchObject({ state: "not_enough_history", days: null, fullAt: null });
    await web.engine.createBackup({ kind: "manual" });
    clock.advance(24 * HOUR);
    await web.engine.createBackup({ kind: "manual" });
    await web.engine.settled();
    // Signed in again: a session ends after 12 idle hours.
    anna = await web.as("user");
    const answer = await forecast();
    expect(answer).toMatchObject({ state: "no_end_in_sight", days: null, fullAt: null });
    expect(answer.basis).toMatchObject({
      freeBytes: 1e12,
      keptBackups: 36, // the newest 10 and the calendar's 7 + 4 + 12 + 3
      backupsPerDay: 4,
      samples: 2,
      historyDays: 1,
    });
    const page = await (await web.request("/backup/status", { cookie: anna.token })).text();
    expect(page).toContain(
      '<p class="muted" id="disk-forecast">Room for the backups for the foreseeable future.</p>',
    );
  });
});
