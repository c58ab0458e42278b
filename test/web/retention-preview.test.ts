import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { manualClock } from "../backup/fixtures.ts";
import { makeWebApp } from "./app-fixture.ts";

/**
 * The Settings page's retention preview (htmx): the numbers being typed, before they are saved,
 * answered with what would stay and go and why; a number that cannot be used, with its reason.
 */
const clock = manualClock(new Date(2025, 8, 20, 9, 0, 0));
const web = makeWebApp({ clock, env: { BUSINESS_APP_MAX_BACKUPS: "100" } });
const made: string[] = [];
for (const when of [new Date(2025, 8, 20, 9), new Date(2025, 8, 21, 9), new Date(2025, 8, 21, 15)]) {
  clock.advance(when.getTime() - clock().getTime());
  made.push((await web.engine.createBackup({ kind: "automatic" })).name);
}
await web.engine.settled();
const boss = await web.as("super_admin");

const preview = async (query: Record<string, string>, cookie = boss.token) =>
  web.request(`/settings/retention-preview?${new URLSearchParams(query)}`, {
    cookie,
    headers: { "HX-Request": "true" },
  });

describe("the retention preview of the Settings page", () => {
  test("the page asks for it as the numbers change", async () => {
    const page = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(page).toContain('hx-get="/settings/retention-preview"');
    expect(page).toContain('id="setting-keep_monthly"');
    expect(page).toContain("Change a number above to see which backups would stay and which would go.");
  });

  test("other numbers: each backup stays or goes with its reason, and nothing is removed or saved", async () => {
    const res = await preview({
      max_backups: "1",
      keep_daily: "1",
      keep_weekly: "0",
      keep_monthly: "0",
      keep_yearly: "0",
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("2 of 3 backups here would go");
    expect(html).toContain("kept: one of the newest 1");
    expect(html).toContain("goes: not the newest of its day");
    expect(html).toContain("goes: older than the 1 day kept");
    expect(html.indexOf(made[2] as string)).toBeLessThan(html.indexOf(made[1] as string));
    expect(
      readdirSync(web.paths.backupsDir)
        .filter((n) => n.endsWith(".db"))
        .sort(),
    ).toEqual([...made].sort());
    expect(web.engine.list()).toHaveLength(3);
    // The saved settings are as they were.
    const saved = await (await preview({})).text();
    expect(saved).toContain("0 of 3 backups here would go");
  });

  test("a number that cannot be used is said by its label, with what is allowed", async () => {
    const html = await (await preview({ keep_weekly: "-2" })).text();
    expect(html).toContain("-2 cannot be used. Enter a whole number of weeks from 0 (none) to 100000.");
    expect(html).not.toContain("would go");
  });

  test("only those who may see Settings get it", async () => {
    const admin = await web.as("admin");
    expect((await preview({ keep_daily: "1" }, admin.token)).status).toBe(403);
  });
});
