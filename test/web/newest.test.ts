import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { form, makeWebApp } from "./app-fixture.ts";

/**
 * "Newest" means the newest data of this database: an upload of an older file, or a backup of
 * another database, is never what Emergency Restore puts back, and every restore's question says
 * what it puts back and what changes.
 */

const HOUR = 3600_000;

function shop() {
  const web = makeWebApp();
  web.db.sqlite.run("CREATE TABLE items (name TEXT)");
  const add = (...names: string[]) => {
    for (const name of names) web.db.sqlite.run("INSERT INTO items VALUES (?)", [name]);
  };
  const items = () =>
    web.db.sqlite
      .query<{ name: string }, []>("SELECT name FROM items ORDER BY rowid")
      .all()
      .map((r) => r.name);
  return { web, add, items };
}

/** The file uploaded from the page, as a browser sends it. */
async function upload(web: ReturnType<typeof makeWebApp>, cookie: string, csrf: string, bytes: Uint8Array) {
  const data = new FormData();
  data.set("_csrf", csrf);
  data.set("description", "USB stick");
  data.set("file", new File([bytes], "usb copy.db"));
  const request = new Request("http://x/", { method: "POST", body: data });
  const type = request.headers.get("content-type") as string;
  const body = new Uint8Array(await request.arrayBuffer());
  return web.request("/backup/upload", { method: "POST", cookie, headers: { "Content-Type": type }, body });
}

describe("Emergency Restore puts back the newest data of this database", () => {
  test("an older database uploaded later is not chosen; the question names the backup, its data time and the rows now → after", async () => {
    const { web, add, items } = shop();
    const boss = await web.as("super_admin");
    add("monday");
    const monday = await web.engine.createBackup({ kind: "manual", description: "monday" });
    const mondayBytes = new Uint8Array(readFileSync(join(web.paths.backupsDir, monday.name)));
    web.clock.advance?.(HOUR);
    add("tuesday", "wednesday");
    const good = await web.engine.createBackup({ kind: "manual", description: "wednesday" });
    add("thursday");
    web.clock.advance?.(HOUR);
    // Monday's file from a USB stick arrives last: by arrival it would be "the newest".
    const uploaded = await upload(web, boss.token, boss.csrfToken, mondayBytes);
    expect(uploaded.status).toBe(303);
    expect(web.engine.list()[0]?.kind).toBe("uploaded");
    // The page, /api/status and the delete rule name the same newest good backup as Emergency Restore.
    const status = (await (await web.request("/api/status", { cookie: boss.token })).json()) as {
      backups: { latest: { name: string } | null };
    };
    expect(status.backups.latest?.name).toBe(good.name);
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    const rowOf = (name: string) =>
      page
        .slice(page.indexOf("<tbody>"))
        .split("<tr>")
        .find((row) => row.includes(`>${name}<`)) ?? "";
    expect(rowOf(good.name)).toContain("Kept");
    const uploadedName = web.engine.list()[0]?.name as string;
    expect(rowOf(uploadedName)).not.toContain("Kept");
    const refused = await web.request(`/api/backups/${good.name}`, {
      method: "DELETE",
      cookie: boss.token,
      csrf: boss.csrfToken,
    });
    expect(refused.status).toBe(409);

    const question = await (
      await web.request("/backup/confirm?action=emergency-restore", { cookie: boss.token })
    ).text();
    expect(question).toContain(
      `Emergency Restore puts back the newest good backup of this database: ${good.name} (“wednesday”), with its data from 2025-09-22 10:00:00.`,
    );
    expect(question).toContain("Changes made since 2025-09-22 10:00:00 are lost");
    expect(question).toContain('<tr class="fewer"><th scope="row">items</th><td>4</td><td>3</td></tr>');
    expect(question).toContain(`<input type="hidden" name="expected" value="${good.name}"/>`);

    const restored = await web.request("/backup/emergency-restore", {
      method: "POST",
      cookie: boss.token,
      ...form({ expected: good.name, _csrf: boss.csrfToken }),
    });
    expect(restored.status).toBe(303);
    expect(restored.headers.get("location")).toStartWith(`/login?restored=${good.name}`);
    expect(items()).toEqual(["monday", "tuesday", "wednesday"]);
  });

  test("a question answered after a newer backup appeared restores nothing and says which is newest now", async () => {
    const { web, add, items } = shop();
    const boss = await web.as("super_admin");
    add("first");
    const asked = await web.engine.createBackup({ kind: "manual" });
    const question = await (
      await web.request("/backup/confirm?action=emergency-restore", { cookie: boss.token })
    ).text();
    expect(question).toContain(`value="${asked.name}"`);
    web.clock.advance?.(HOUR);
    add("second");
    const newer = await web.engine.createBackup({ kind: "manual" });
    add("third");
    const before = web.engine.list().map((r) => r.name);

    const answer = await web.request("/backup/emergency-restore", {
      method: "POST",
      cookie: boss.token,
      headers: { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
      csrf: boss.csrfToken,
      body: new URLSearchParams({ expected: asked.name }),
    });
    expect(answer.status).toBe(409);
    expect(await answer.text()).toContain(
      `Emergency restore failed: The newest good backup is now ${newer.name}, not ${asked.name} as confirmed. Nothing was restored`,
    );
    expect(items()).toEqual(["first", "second", "third"]);
    // No safety backup either: nothing was begun.
    expect(web.engine.list().map((r) => r.name)).toEqual(before);
  });

  test("the backups of another database (before a start with an empty one) are restored by name only, and retention leaves them alone", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_MAX_BACKUPS: "2" } });
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('old shop')");
    const before: string[] = [];
    for (let i = 0; i < 2; i++) {
      before.push((await web.engine.createBackup({ kind: "automatic" })).name);
      web.clock.advance?.(HOUR);
    }
    const oldIdentity = web.db.identity;
    // The database file is replaced by a new, empty one (started empty on purpose), which fills.
    web.db.close();
    for (const side of ["", "-wal", "-shm"]) Bun.spawnSync(["rm", "-f", `${web.paths.database}${side}`]);
    web.db.open();
    expect(web.db.identity).not.toBe(oldIdentity);
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('new shop')");
    const after: string[] = [];
    for (let i = 0; i < 3; i++) {
      after.push((await web.engine.createBackup({ kind: "automatic" })).name);
      web.clock.advance?.(HOUR);
    }
    await web.engine.settled();
    // Retention counted the new database's backups only: its oldest went, the old shop's stay.
    const listed = web.engine.list().map((r) => r.name);
    expect(listed).toEqual([...after.slice(1).reverse(), ...[...before].reverse()]);
    expect((await web.engine.previewRestore(null)).name).toBe(after[2] as string);
    expect(web.engine.find(before[0] as string).databaseId).toBe(oldIdentity);

    const old = await web.engine.restore(before[0] as string, { by: "test" });
    expect(old.restoredFrom).toBe(before[0] as string);
    expect(web.db.sqlite.query("SELECT name FROM items").all()).toEqual([{ name: "old shop" }]);
    expect(web.db.identity).toBe(oldIdentity);
    // The file is then lost: "this database" is the one the restore put in place, not the one its
    // safety backup (the newest file of all) holds, so Emergency Restore offers the old shop's newest.
    const safety = web.engine.find(old.safetyBackup as string);
    expect(safety.databaseId).not.toBe(oldIdentity);
    expect(safety.restoredId).toBe(oldIdentity);
    web.db.close();
    for (const side of ["", "-wal", "-shm"]) Bun.spawnSync(["rm", "-f", `${web.paths.database}${side}`]);
    expect(web.engine.identity()).toBe(oldIdentity);
    expect((await web.engine.previewRestore(null)).name).toBe(before[1] as string);
  });
});
