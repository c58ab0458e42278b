import { describe, expect, test } from "bun:test";
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
