import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileSize, spaceNeeded } from "../../src/backup/catalog/space.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { manualClock } from "../backup/fixtures.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";
import { form, makeWebApp } from "./app-fixture.ts";

const json = { "Content-Type": "application/json" };
type Problem = { error: { code: string; message: string } };

describe("manual backups from the web", () => {
  test("past the hourly limit: 429 with Retry-After, the page says why; busy answers do not count", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_MANUAL_BACKUPS_PER_HOUR: "2" } });
    const ann = await web.as("user");
    const bob = await web.as("user");
    const create = (who: { token: string; csrfToken: string }) =>
      web.request("/api/backups", {
        method: "POST",
        cookie: who.token,
        csrf: who.csrfToken,
        headers: json,
        body: "{}",
      });

    const lock = acquireFileLock(web.paths.operationLock);
    expect((await create(ann)).status).toBe(409);
    lock.release();
    expect((await create(ann)).status).toBe(201);
    expect((await create(ann)).status).toBe(201);
    const limited = await create(ann);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3600");
    expect(((await limited.json()) as Problem).error).toEqual({
      code: "backup.rate_limited",
      message:
        "You have started 2 manual backups within the last hour, the most allowed. Try again in 60 minutes.",
    });
    // Someone else is not held back by ann's backups.
    expect((await create(bob)).status).toBe(201);

    const page = await web.request("/backup/create", {
      method: "POST",
      cookie: ann.token,
      ...form({ _csrf: ann.csrfToken, description: "one more" }),
      headers: { ...form({}).headers, "HX-Request": "true" },
    });
    expect(await page.text()).toContain(
      "Failed to create backup: You have started 2 manual backups within the last hour, the most allowed.",
    );
    expect(web.engine.list()).toHaveLength(3);

    web.clock.advance?.(3600_000);
    expect((await create(ann)).status).toBe(201);
  });

  test("a manual backup that would take the next automatic backup's room answers 507 in words", async () => {
    let database = "";
    const web = makeWebApp({
      freeSpace: () => Math.floor(spaceNeeded(fileSize(database) + fileSize(`${database}-wal`)) * 1.5),
    });
    database = web.paths.database;
    const boss = await web.as("super_admin");
    const res = await web.request("/api/backups", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: json,
      body: "{}",
    });
    expect(res.status).toBe(507);
    const { error } = (await res.json()) as Problem;
    expect(error.code).toBe("backup.no_space");
    expect(error.message).toMatch(
      /^not enough disk space to keep room for the next automatic backup \(needs .+ MB, .+ MB free\)$/,
    );
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".db"))).toEqual([]);
    expect((await web.engine.createBackup({ kind: "automatic" })).health).toBe("verified");
  });

  test("a manual backup that fails turns the status sentence amber at once, until a backup succeeds", async () => {
    let full = false;
    const web = makeWebApp({ freeSpace: () => (full ? 1024 : 100 * 1024 ** 3) });
    web.scheduler.start();
    const boss = await web.as("super_admin");
    await web.engine.createBackup({ kind: "automatic" });
    const sentence = async () => {
      const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
      return (
        page.match(/<p class="verdict verdict-(\w+)" id="status-sentence">.*?<span>([^<]*)</)?.slice(1) ?? []
      );
    };
    expect((await sentence())[0]).toBe("ok");
    web.clock.advance?.(60_000);
    full = true;
    const failed = await web.request("/backup/create", {
      method: "POST",
      cookie: boss.token,
      ...form({ description: "", _csrf: boss.csrfToken }),
    });
    expect(failed.status).toBe(303);
    const [tone, text] = await sentence();
    expect(tone).toBe("warn");
    expect(text).toStartWith(
      "Attention: the last backup made by hand failed just now: not enough disk space",
    );
    expect(web.built.alerts.current().map((a) => a.id)).toEqual(["manual_backup_failed", "low_disk_space"]);
    full = false;
    await web.request("/backup/create", {
      method: "POST",
      cookie: boss.token,
      ...form({ description: "", _csrf: boss.csrfToken }),
    });
    expect((await sentence())[0]).toBe("ok");
    web.scheduler.stop();
  });

  test("a description with control characters is refused by the API and the page, and nothing is made", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const message = "The description may not contain control characters such as line breaks or tabs.";
    for (const description of [
      "two\nlines inside",
      "esc \u001b[2J",
      "tab\there",
      "over\u202eride",
      "c1 \u0085",
    ]) {
      const res = await web.request("/api/backups", {
        method: "POST",
        cookie: boss.token,
        csrf: boss.csrfToken,
        headers: json,
        body: JSON.stringify({ description }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Problem).error.message).toBe(message);
    }
    const page = await web.request("/backup/create", {
      method: "POST",
      cookie: boss.token,
      ...form({ _csrf: boss.csrfToken, description: "fake\rrow" }),
      headers: { ...form({}).headers, "HX-Request": "true" },
    });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain(`Failed to create backup: ${message}`);
    expect(web.engine.list()).toEqual([]);
  });
});

describe("automatic backup retries", () => {
  test("GET /api/status and the status panel say when a failed automatic backup is tried again", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const timers = fakeTimers(clock);
    const web = makeWebApp({ clock, timers });
    const boss = await web.as("super_admin");
    web.scheduler.start();
    // Another process holds the operation lock when the automatic backup falls due.
    const held = acquireFileLock(web.paths.operationLock);
    try {
      await timers.advance(6 * 3600_000);
    } finally {
      held.release();
    }
    const status = (await (await web.request("/api/status", { cookie: boss.token })).json()) as {
      scheduler: { retryAt: string | null; nextRun: string; lastRun: { ok: boolean } };
    };
    expect(status.scheduler.lastRun.ok).toBe(false);
    expect(status.scheduler.retryAt).toBe(new Date(2025, 8, 22, 15, 1, 0).toISOString());
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    const retryAt = new Date(2025, 8, 22, 15, 1, 0).toISOString();
    expect(page).toContain(
      `the last one failed and is tried again <time datetime="${retryAt}" title="2025-09-22 15:01:00">at 15:01</time>`,
    );
    // The sentence at the top says it too, and why.
    expect(page).toContain(
      "Attention: the last automatic backup failed just now (another backup or restore is running); it is tried again at 15:01.",
    );
    web.scheduler.stop();
  });
});
