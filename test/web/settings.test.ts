import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { form, makeWebApp } from "./app-fixture.ts";

describe("Settings page", () => {
  test("saves to the config file atomically and applies at once", async () => {
    const web = makeWebApp();
    web.scheduler.start();
    const boss = await web.as("super_admin");
    const res = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...form({
        _csrf: boss.csrfToken,
        mode: "schedule",
        interval_hours: "6",
        schedule: "0 0 */4 * * *",
        max_backups: "20",
        max_manual_backups: "unlimited",
        max_pre_restore_backups: "3",
        startup_backup: "false",
      }),
    });
    expect(res.status).toBe(303);
    const file = JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8"));
    expect(file).toEqual({
      schedule: "0 0 */4 * * *",
      max_backups: 20,
      max_manual_backups: "unlimited",
      max_pre_restore_backups: 3,
      startup_backup: false,
    });
    expect(web.scheduler.status().cadence).toBe('on the schedule "0 0 */4 * * *"');
    const page = await (await web.request("/settings?saved", { cookie: boss.token })).text();
    expect(page).toContain("Settings saved and applied.");
    expect(page).toContain('value="20"');
    web.scheduler.stop();
  });

  test("a wrong value is refused with its reason and nothing is written", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const res = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...form({
        _csrf: boss.csrfToken,
        mode: "interval",
        interval_hours: "0",
        max_backups: "-1",
        startup_backup: "true",
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Invalid value for setting");
    expect(existsSync(join(web.paths.dataDir, "business-app.config.json"))).toBe(false);
  });

  test("a setting fixed by an environment variable is shown as such and not changed", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_MAX_BACKUPS: "7" } });
    const boss = await web.as("super_admin");
    const page = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(page).toContain("set by the environment variable BUSINESS_APP_MAX_BACKUPS");
    await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...form({
        _csrf: boss.csrfToken,
        mode: "interval",
        interval_hours: "3",
        max_backups: "99",
        startup_backup: "true",
      }),
    });
    const file = JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8"));
    expect(file.max_backups).toBeUndefined();
    expect(file.interval_hours).toBe(3);
  });
});

describe("Settings page scheduler button", () => {
  test("pauses and resumes, then comes back to the Settings page", async () => {
    const web = makeWebApp();
    web.scheduler.start();
    const boss = await web.as("super_admin");
    const res = await web.request("/backup/scheduler", {
      method: "POST",
      cookie: boss.token,
      ...form({ _csrf: boss.csrfToken, action: "pause", back: "/settings" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/settings");
    expect(web.scheduler.status().paused).toBe(true);
    expect(await (await web.request("/settings", { cookie: boss.token })).text()).toContain(
      "Resume automatic backups",
    );
    web.scheduler.stop();
  });
});
