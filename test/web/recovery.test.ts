import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { missingDatabase as missingDatabaseSentence } from "../../src/app/restore/missing-database.ts";
import { form, makeWebApp } from "./app-fixture.ts";

describe("recovery page", () => {
  test("only with the token, only in recovery mode; restores and ends recovery mode", async () => {
    const web = makeWebApp();
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('kept')");
    const backup = await web.engine.createBackup({ kind: "manual", description: "good" });
    // Out of recovery mode there is nothing to recover: on to the app.
    expect((await web.request("/recovery")).headers.get("location")).toBe("/");

    web.db.sqlite.run("DELETE FROM items");
    web.db.close();
    const token = web.recovery.enter("The database cannot be used: it failed its check (malformed page).");
    const wrong = await web.request("/recovery?token=wrong");
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).toContain("This recovery link does not work");
    // Every page leads to the recovery page, which says what to do without the link's secret.
    for (const path of ["/", "/backup/status", "/login", "/settings"]) {
      const gate = await web.request(path);
      expect(gate.status).toBe(303);
      expect(gate.headers.get("location")).toBe("/recovery");
    }
    const help = await web.request("/recovery");
    expect(help.status).toBe(200);
    const helpHtml = await help.text();
    expect(helpHtml).toContain("runs in recovery mode");
    expect(helpHtml).toContain("Open this link once to restore a backup");
    expect(helpHtml).toContain("business-app restore --latest");
    expect(helpHtml).not.toContain(token);
    expect(helpHtml).not.toContain("Back to the dashboard");
    expect(helpHtml).not.toContain("Error 503");
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
    // The restore is in the audit trail, which the restore did not touch.
    expect(web.auth.audit.newest(1)[0]).toMatchObject({
      action: "backup: restore",
      target: backup.name,
      outcome: "success",
      username: "recovery page",
    });
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
    const token = web.recovery.enter(`The database cannot be used: it failed its check (${found.reason}).`);

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
    expect(page).toContain(`<dt>Newest good backup</dt><dd><time`);
    expect(page).toContain(`<span class="file">${good.name}</span></dd>`);
    expect(page).toContain('<dt>Database</dt><dd><span class="status-ok">Good</span>');
    expect(page).not.toContain("Damaged: ");
  });

  test("a restore from another site is refused even with the token", async () => {
    const web = makeWebApp();
    await web.engine.createBackup({ kind: "manual" });
    web.db.close();
    const token = web.recovery.enter("The database cannot be used: it would not open.");
    const res = await web.request("/recovery/restore", {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    expect(res.status).toBe(403);
    expect(web.recovery.active).toBe(true);
  });

  test("a restore asks first: a confirmation page without JavaScript, HX-Redirect with htmx", async () => {
    const web = makeWebApp();
    const backup = await web.engine.createBackup({ kind: "manual", description: "Friday evening" });
    web.db.close();
    const token = web.recovery.enter("The database cannot be used: it would not open.");
    const page = await (await web.request(`/recovery?token=${token}`)).text();
    expect(page).toContain(`href="/recovery/confirm?token=${token}&amp;name=${backup.name}"`);

    expect((await web.request(`/recovery/confirm?token=wrong&name=${backup.name}`)).status).toBe(404);
    expect((await web.request(`/recovery/confirm?token=${token}&name=nope.db`)).status).toBe(404);
    const emergency = await (await web.request(`/recovery/confirm?token=${token}`)).text();
    expect(emergency).toContain(
      `Emergency Restore puts back the newest good backup of this database: ${backup.name} (“Friday evening”), with its data from`,
    );
    expect(emergency).toContain(`<input type="hidden" name="expected" value="${backup.name}"/>`);
    const confirm = await web.request(`/recovery/confirm?token=${token}&name=${backup.name}`);
    expect(confirm.status).toBe(200);
    const question = await confirm.text();
    expect(question).toContain(`This puts back: ${backup.name} (“Friday evening”), with its data from`);
    expect(question).toContain('<form method="post" action="/recovery/restore"');
    expect(question).toContain(`<input type="hidden" name="name" value="${backup.name}"/>`);
    // Nothing happened by looking at the question.
    expect(web.recovery.active).toBe(true);

    const htmx = { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" };
    const refused = await web.request("/recovery/restore", {
      method: "POST",
      headers: htmx,
      body: new URLSearchParams({ token, name: "nope.db" }),
    });
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain("Restore failed: There is no backup called");
    const res = await web.request("/recovery/restore", {
      method: "POST",
      headers: htmx,
      body: new URLSearchParams({ token, name: backup.name }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("hx-redirect")).toStartWith(`/login?restored=${backup.name}`);
    expect(web.recovery.active).toBe(false);
    web.scheduler.stop();
  });
});

describe("a missing database: starting empty only on purpose", () => {
  /** A shop with a backup whose database file is then deleted, in recovery mode as the app starts. */
  async function missingDatabase() {
    const web = makeWebApp();
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('sold')");
    const backup = await web.engine.createBackup({ kind: "manual", description: "Friday evening" });
    const before = web.db.identity;
    web.db.close();
    rmSync(web.paths.database);
    const missing = await missingDatabaseSentence(web.built);
    if (!missing) throw new Error("the missing database was not seen");
    expect(missing.from).toBe("here");
    const token = web.recovery.enter(missing.sentence);
    return { web, backup, before, token };
  }

  test("the recovery page offers it behind its link and a question; the new database has an identity of its own, every backup stays", async () => {
    const { web, backup, before, token } = await missingDatabase();
    const page = await (await web.request(`/recovery?token=${token}`)).text();
    expect(page).toContain(`The database file is missing. The newest good backup is ${backup.name} from`);
    expect(page).toContain("Start with an empty database");
    expect(page).toContain("Restore a backup to continue, or start with an empty database below.");
    expect(page).not.toContain("The damaged database");
    expect(page).toContain(`href="/recovery/start-empty?token=${token}"`);
    expect((await web.request("/recovery/start-empty?token=wrong")).status).toBe(404);
    const question = await (await web.request(`/recovery/start-empty?token=${token}`)).text();
    expect(question).toContain("Every backup stays in the backup folder");
    expect(question).toContain('<form method="post" action="/recovery/start-empty"');
    expect(existsSync(web.paths.database)).toBe(false);

    const res = await web.request("/recovery/start-empty", { method: "POST", ...form({ token }) });
    expect(res.status).toBe(303);
    const setup = res.headers.get("location") ?? "";
    expect(setup).toMatch(/^\/setup\?token=[\w-]+$/);
    expect((await web.request(setup)).status).toBe(200);
    expect(web.recovery.active).toBe(false);
    expect(web.db.identity).not.toBe(before);
    expect(web.engine.list().map((r) => r.name)).toEqual([backup.name]);
    expect(web.auth.audit.newest(1)[0]).toMatchObject({
      action: "database: start empty",
      username: "recovery page",
    });
    expect(await Bun.file(web.paths.log).text()).toContain(
      "Started with an empty database, as asked on the recovery page",
    );
    expect((await web.request(`/recovery?token=${token}`)).status).toBe(404);
    web.scheduler.stop();
    web.built.drills.stop();
  });

  test("a database file that is there (damaged, or back again) is never replaced by an empty one", async () => {
    const { web, token } = await missingDatabase();
    writeFileSync(web.paths.database, "not a database, but someone's file");
    const page = await (await web.request(`/recovery?token=${token}`)).text();
    expect(page).not.toContain("Start with an empty database");
    const res = await web.request("/recovery/start-empty", { method: "POST", ...form({ token }) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("The database file is there");
    expect(readFileSync(web.paths.database, "utf8")).toBe("not a database, but someone's file");
    expect(web.recovery.active).toBe(true);
  });
});
