import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createAuditTrail } from "../../src/auth/audit.ts";
import { form, makeWebApp } from "./app-fixture.ts";

const DAY = 86_400_000;

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
        schedule_choice: "custom",
        interval_hours: "6",
        schedule: "0 0 */4 * * *",
        max_backups: "20",
        max_manual_backups: "unlimited",
        max_pre_restore_backups: "3",
        max_pre_update_backups: "5",
        drill_interval_days: "0",
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
      max_pre_update_backups: 5,
      drill_interval_days: 0,
      startup_backup: false,
    });
    expect(web.scheduler.status().cadence).toBe('on the schedule "0 0 */4 * * *"');
    expect(web.built.drills.status().intervalDays).toBe(0);
    const page = await (await web.request("/settings?saved", { cookie: boss.token })).text();
    expect(page).toContain("Settings saved and applied.");
    expect(page).toContain('value="20"');
    expect(page).toContain('name="drill_interval_days" type="text" value="0"');
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
        schedule_choice: "interval",
        interval_hours: "0",
        max_backups: "-1",
        startup_backup: "true",
      }),
    });
    expect(res.status).toBe(400);
    // Said by the setting's label on the page, never by its key in the settings file.
    const refusal = await res.text();
    expect(refusal).toContain("“Another interval: every … hours” under Automatic backups: 0 cannot be used.");
    expect(refusal).not.toContain("Invalid value for setting");
    expect(refusal).not.toContain("config file");
    expect(existsSync(join(web.paths.dataDir, "business-app.config.json"))).toBe(false);
  });

  test("the audit retention is shown and saved, and a shorter one prunes the trail at once", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const page = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(page).toContain('name="audit_retention_days" type="text" value="365"');
    expect(page).toContain('name="audit_max_entries" type="text" value="100000"');
    const longAgo = createAuditTrail({
      path: web.paths.audit,
      clock: () => new Date(web.clock().getTime() - 40 * DAY),
    });
    for (let i = 0; i < 4; i++) longAgo.record({ action: "sign-in", outcome: "success" });
    const fields = { _csrf: boss.csrfToken, schedule_choice: "every-6-hours", startup_backup: "true" };

    const refused = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...form({ ...fields, audit_retention_days: "30", audit_max_entries: "5" }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(
      "“Entries kept at most (the oldest go first)” under Audit trail: 5 cannot be used. Enter a whole number from 1000 to 10000000.",
    );
    expect(web.auth.audit.newest(100).filter((e) => e.action === "sign-in")).toHaveLength(4);

    const res = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...form({ ...fields, audit_retention_days: "30", audit_max_entries: "5000" }),
    });
    expect(res.status).toBe(303);
    const file = JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8"));
    expect(file).toMatchObject({ audit_retention_days: 30, audit_max_entries: 5000 });
    expect(web.auth.audit.newest(100).filter((e) => e.action === "sign-in")).toHaveLength(0);
    const pruned = readFileSync(web.paths.log, "utf8").match(/INFO - Audit trail pruned: .*/g);
    expect(pruned).toEqual([
      "INFO - Audit trail pruned: 4 entries removed (kept: the last 30 days, at most 5000 entries)",
    ]);
    const saved = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(saved).toContain('name="audit_retention_days" type="text" value="30"');
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
        schedule_choice: "interval",
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
