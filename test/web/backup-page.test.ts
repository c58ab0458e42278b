import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { manualClock } from "../backup/fixtures.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";
import { makeWebApp } from "./app-fixture.ts";

const settle = () => new Promise((resolve) => setImmediate(resolve));
const sentenceOf = (page: string) =>
  /<p class="verdict verdict-(\w+)"[^>]*>.*?<span>([^<]*)<\/span>/.exec(page);

describe("the Database Backup page as a shop owner reads it", () => {
  test("the answer first, from the real status: protected, then a failed automatic backup, then protected again", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const timers = fakeTimers(clock);
    let free = 1e12;
    const web = makeWebApp({ clock, timers, freeSpace: () => free });
    const boss = await web.as("super_admin");
    const page = async () => (await web.request("/backup/status", { cookie: boss.token })).text();
    web.scheduler.start();
    await web.engine.createBackup({ kind: "manual", description: "Opening stock" });
    // Its full check (a process of its own) done, so the runs timed below start when they are due.
    await web.engine.settled();
    clock.advance(2 * 3600_000);
    expect(sentenceOf(await page())?.slice(1)).toEqual([
      "ok",
      "Your data is protected: last backup 2 hours ago, next at 15:00.",
    ]);
    // The dashboard answers the same.
    const home = await (await web.request("/", { cookie: boss.token })).text();
    expect(sentenceOf(home)?.[2]).toBe("Your data is protected: last backup 2 hours ago, next at 15:00.");

    free = 0;
    await timers.advance(4 * 3600_000);
    await web.engine.idle();
    await settle();
    const failed = await page();
    expect(sentenceOf(failed)?.slice(1)).toEqual([
      "bad",
      "Attention: the last automatic backup failed just now (not enough disk space); it is tried again at 15:01.",
    ]);
    expect(failed).toContain("<dt>Last problem</dt>");
    expect(failed).toContain("Failed to create backup: not enough disk space (needs");

    free = 1e12;
    await timers.advance(60_000);
    await web.engine.idle();
    await settle();
    expect(sentenceOf(await page())?.slice(1)).toEqual([
      "ok",
      "Your data is protected: last backup just now, next at 21:00.",
    ]);
    web.scheduler.stop();
  });

  test("rows lead with the description or the kind, who made it in words; refused actions are not offered", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const older = await web.engine.createBackup({
      kind: "manual",
      description: "Before the price update",
      createdBy: "command line (anna)",
    });
    web.clock.advance?.(60_000);
    const newest = await web.engine.createBackup({ kind: "automatic", createdBy: "scheduler" });
    web.clock.advance?.(60_000);
    writeFileSync(join(web.paths.backupsDir, "backup_20200101_080000.db"), "bad");
    await web.engine.checks.verifyNew();
    await web.engine.settled();
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    const rows = page.split("<tr>").slice(2);
    const row = (name: string) => rows.find((r) => r.includes(`>${name}<`)) ?? "";
    expect(row(older.name)).toContain(
      '<span class="title" title="Before the price update">Before the price update</span>',
    );
    expect(row(older.name)).toContain("Manual backup · by the command line, as user anna");
    expect(row(newest.name)).toContain(
      '<span class="title" title="Automatic backup">Automatic backup</span>',
    );
    expect(row(newest.name)).toContain("Made on schedule");
    // The newest good backup cannot be deleted: it is marked as kept instead.
    expect(row(newest.name)).not.toContain("/backup/delete");
    expect(row(newest.name)).toContain(">Kept</span>");
    expect(row(older.name)).toContain("/backup/delete");
    // A damaged file cannot be restored: no Restore, but it can still be looked at and deleted.
    const damaged = row("backup_20200101_080000.db");
    expect(damaged).toContain("Damaged");
    expect(damaged).not.toContain("/backup/restore");
    expect(damaged).toContain("/download");
    expect(damaged).toContain("/backup/delete");
    // The chart shows the two good backups only: the 3-byte file is no dip to zero.
    expect(page.match(/<circle /g)).toHaveLength(2);
    expect(page).not.toMatch(/<title>backup_20200101_080000\.db/);
  });

  test("a started backup tells the page to clear its form; a refused one does not", async () => {
    const web = makeWebApp();
    const user = await web.as("user");
    const post = (description: string) =>
      web.request("/backup/create", {
        method: "POST",
        cookie: user.token,
        csrf: user.csrfToken,
        headers: { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ description }),
      });
    const ok = await post("End of day");
    expect(ok.headers.get("hx-trigger")).toBe("clear-form");
    await web.engine.idle();
    const refused = await post("x".repeat(201));
    expect(refused.status).toBe(400);
    expect(refused.headers.get("hx-trigger")).toBeNull();
  });
});
