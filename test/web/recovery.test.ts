import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { form, makeWebApp } from "./app-fixture.ts";

describe("recovery page", () => {
  test("only with the token, only in recovery mode; restores and ends recovery mode", async () => {
    const web = makeWebApp();
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('kept')");
    const backup = await web.engine.createBackup({ kind: "manual", description: "good" });
    expect((await web.request("/recovery")).status).toBe(404);

    web.db.sqlite.run("DELETE FROM items");
    web.db.close();
    const token = web.recovery.enter("it failed its check (malformed page)");
    expect((await web.request("/recovery?token=wrong")).status).toBe(404);
    const gate = await web.request("/");
    expect(gate.status).toBe(503);
    expect(await gate.text()).toContain("recovery mode");
    const page = await web.request(`/recovery?token=${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(backup.name);
    expect(html).toContain("it failed its check (malformed page)");

    const res = await web.request("/recovery/restore", {
      method: "POST",
      ...form({ token, name: backup.name }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toStartWith(`/login?restored=${backup.name}`);
    expect(web.recovery.active).toBe(false);
    expect(web.db.sqlite.query("SELECT name FROM items").all()).toEqual([{ name: "kept" }]);
    expect((await web.request(`/recovery?token=${token}`)).status).toBe(404);
    expect(web.scheduler.status().active).toBe(true);
    web.scheduler.stop();
  });

  test("after a recovery restore the status is healthy and names the newest healthy backup", async () => {
    const web = makeWebApp();
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run(
      "INSERT INTO items WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT 'row ' || i FROM n",
    );
    const good = await web.engine.createBackup({ kind: "manual", description: "good" });
    web.clock.advance?.(60_000);
    // Damaged pages, found by the check the app makes at start.
    web.db.close();
    const bytes = readFileSync(web.paths.database);
    for (let offset = 3 * 4096; offset < bytes.length; offset += 4096) bytes[offset] = 0xff;
    writeFileSync(web.paths.database, bytes);
    const found = await web.engine.health.check(false);
    expect(found.ok).toBe(false);
    const token = web.recovery.enter(`it failed its check (${found.reason})`);

    const res = await web.request("/recovery/restore", {
      method: "POST",
      ...form({ token, name: good.name }),
    });
    expect(res.status).toBe(303);
    web.scheduler.stop();
    // The checks that follow a restore run once the app answers again.
    await web.engine.settled();
    // The safety copy of the damaged database is the newest backup, and damaged.
    const [newest] = web.engine.list();
    expect(newest?.kind).toBe("pre_restore");
    expect(newest?.health).toBe("damaged");

    const boss = await web.as("super_admin");
    const status = (await (await web.request("/api/status", { cookie: boss.token })).json()) as {
      health: { ok: boolean; full: boolean; checkedAt: string };
      backups: { latest: { name: string } };
    };
    expect(status.health.ok).toBe(true);
    expect(status.health.checkedAt).toBe(web.clock().toISOString());
    expect(status.backups.latest.name).toBe(good.name);
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    expect(page).toContain(`(${good.name})</dd>`);
    expect(page).toContain("Healthy (quick check)");
    expect(page).not.toContain("Damaged: ");
  });

  test("a restore from another site is refused even with the token", async () => {
    const web = makeWebApp();
    await web.engine.createBackup({ kind: "manual" });
    web.db.close();
    const token = web.recovery.enter("it would not open");
    const res = await web.request("/recovery/restore", {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    expect(res.status).toBe(403);
    expect(web.recovery.active).toBe(true);
  });
});
