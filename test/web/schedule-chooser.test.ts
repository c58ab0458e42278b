import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { form, makeWebApp } from "./app-fixture.ts";

/** The Settings form as the page sends it, with the schedule chooser's fields. */
const settingsForm = (csrf: string, schedule: Record<string, string>) =>
  form({ _csrf: csrf, startup_backup: "true", max_backups: "10", ...schedule });

describe("the schedule chooser of the Settings page", () => {
  test("a preset is saved as a plain cron expression, applied, and shown again with its next three runs", async () => {
    // Monday 22 September 2025, 09:00.
    const web = makeWebApp();
    web.scheduler.start();
    const boss = await web.as("super_admin");
    const page = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(page).toContain('value="every-6-hours" checked=""');
    expect(page).toContain("<strong>Next backups:</strong> Today 15:00 · Today 21:00 · Tomorrow 03:00");

    const res = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...settingsForm(boss.csrfToken, {
        schedule_choice: "opening-hours",
        opening_from: "8",
        opening_to: "18",
        opening_days: "mon-sat",
      }),
    });
    expect(res.status).toBe(303);
    const file = JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8"));
    expect(file.schedule).toBe("0 8-18 * * 1-6");
    expect(file.interval_hours).toBeUndefined();
    expect(web.scheduler.status().cadence).toBe("every hour from 08:00 to 18:00, Monday to Saturday");
    const saved = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(saved).toContain('value="opening-hours" checked=""');
    expect(saved).toContain("<strong>Next backups:</strong> Today 10:00 · Today 11:00 · Today 12:00");

    await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...settingsForm(boss.csrfToken, { schedule_choice: "daily", daily_time: "18:30" }),
    });
    expect(
      JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8")).schedule,
    ).toBe("30 18 * * *");
    expect(web.scheduler.status().cadence).toBe("daily at 18:30");
    web.scheduler.stop();
  });

  test("a preset that makes no sense, or a cron expression that is not one, is refused and nothing is written", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const cases: [Record<string, string>, string][] = [
      [
        { schedule_choice: "opening-hours", opening_from: "18", opening_to: "8", opening_days: "mon-fri" },
        "Opening hours: the first backup must be before the last one.",
      ],
      [{ schedule_choice: "daily", daily_time: "25:00" }, "Daily backup: give a time such as 18:00."],
      [
        { schedule_choice: "custom", schedule: "every now and then" },
        "“Custom schedule, for experts” under Automatic backups: &quot;every now and then&quot; cannot be used.",
      ],
      [
        { schedule_choice: "interval", interval_hours: "0" },
        "“Another interval: every … hours” under Automatic backups: 0 cannot be used.",
      ],
      [{ schedule_choice: "fixed" }, "The settings form was incomplete; nothing was changed."],
    ];
    for (const [fields, message] of cases) {
      const res = await web.request("/settings", {
        method: "POST",
        cookie: boss.token,
        ...settingsForm(boss.csrfToken, fields),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(existsSync(join(web.paths.dataDir, "business-app.config.json"))).toBe(false);
  });

  test("the next three runs follow the choice as it changes (htmx)", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const preview = async (query: Record<string, string>) =>
      (
        await web.request(`/settings/schedule?${new URLSearchParams(query)}`, {
          cookie: boss.token,
          headers: { "HX-Request": "true" },
        })
      ).text();
    expect(await preview({ schedule_choice: "custom", schedule: "0 0 * * *" })).toBe(
      '<p id="schedule-next" class="next-runs" aria-live="polite"><strong>Next backups:</strong> Tomorrow 00:00 · 24 Sep 2025 00:00 · 25 Sep 2025 00:00</p>',
    );
    expect(await preview({ schedule_choice: "interval", interval_hours: "2" })).toContain(
      "Today 11:00 · Today 13:00 · Today 15:00",
    );
    expect(await preview({ schedule_choice: "custom", schedule: "nonsense" })).toContain(
      "This schedule cannot be read",
    );
    expect(await preview({ schedule_choice: "opening-hours", opening_from: "9", opening_to: "9" })).toContain(
      '<span class="status-bad">Opening hours: the first backup must be before the last one.</span>',
    );
  });

  test("a schedule fixed by an environment variable is shown as such; the other settings still save", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_SCHEDULE: "0 30 */6 * * *" } });
    const boss = await web.as("super_admin");
    const page = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(page).toContain('<input type="hidden" name="schedule_choice" value="fixed"/>');
    expect(page).toContain("set by the environment variable BUSINESS_APP_SCHEDULE");
    expect(page).toContain('value="custom" checked=""');
    const res = await web.request("/settings", {
      method: "POST",
      cookie: boss.token,
      ...settingsForm(boss.csrfToken, { schedule_choice: "fixed", max_backups: "12" }),
    });
    expect(res.status).toBe(303);
    const file = JSON.parse(readFileSync(join(web.paths.dataDir, "business-app.config.json"), "utf8"));
    expect(file).toEqual({ max_backups: 12, startup_backup: true });
  });
});
