import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type ManifestRecord, writeManifest } from "../../src/backup/catalog/manifest.ts";
import { backupFileName } from "../../src/backup/catalog/names.ts";
import { makeWebApp } from "./app-fixture.ts";

const COUNT = 200;
const web = makeWebApp({
  env: { BUSINESS_APP_MAX_BACKUPS: "1000", BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1000" },
});
afterAll(() => web.db.close());

/** `COUNT` checked backups an hour apart, newest first: copies of one real backup, listed. */
async function manyBackups(): Promise<string[]> {
  const dir = web.paths.backupsDir;
  const first = await web.engine.createBackup({ kind: "manual", description: "template" });
  const records: ManifestRecord[] = [];
  for (let i = 0; i < COUNT; i++) {
    const at = new Date(Date.UTC(2025, 0, 1) + i * 3600_000);
    // Far down the list: the only manual backup, and a damaged one.
    const kind = i === 3 ? "manual" : "automatic";
    const name = backupFileName(kind, at, `Hour ${i}`);
    copyFileSync(join(dir, first.name), join(dir, name));
    const health = i === 10 ? { health: "damaged" as const, reason: "it failed its check" } : {};
    records.push({ ...first, name, kind, createdAt: at.toISOString(), ...health });
  }
  rmSync(join(dir, first.name));
  await writeManifest(dir, records);
  return records.map((r) => r.name).reverse();
}

const namesIn = (html: string) => [...html.matchAll(/<span class="file">([^<]+)<\/span>/g)].map((m) => m[1]);
/** The file names of the list's rows (the status facts above it name the newest too). */
const filesIn = (html: string) =>
  namesIn(html.includes("<tbody>") ? html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>")) : html);

describe("the list of backups, a page at a time", () => {
  test("the page holds the newest 50; Show older brings the next 50 until none are left", async () => {
    const names = await manyBackups();
    const boss = await web.as("super_admin");
    const get = async (path: string) => (await web.request(path, { cookie: boss.token })).text();

    const page = await get("/backup/status");
    expect(filesIn(page)).toEqual(names.slice(0, 50));
    expect(page).toContain('hx-get="/backup/older?from=50"');
    expect(page).toContain("Show older (150 more)");
    // Only the rows shown carry their Delete question.
    expect(page.match(/hx-confirm=/g)?.length).toBe(49 + 2);
    // Below them, older backups not to miss: the newest manual one and the damaged one.
    const further = page.slice(page.indexOf('<tbody class="worth-a-look">'));
    expect(namesIn(further)).toEqual([names[COUNT - 1 - 10], names[COUNT - 1 - 3]]);

    const next = await get("/backup/older?from=50");
    expect(filesIn(next)).toEqual(names.slice(50, 100));
    expect(next).toContain('hx-get="/backup/older?from=100"');
    expect(next).not.toContain("<table");

    const last = await get("/backup/older?from=150");
    expect(filesIn(last)).toEqual(names.slice(150));
    expect(last).not.toContain("Show older");

    // Without JavaScript the link opens the page with a page more; a strange number is one page.
    expect(filesIn(await get("/backup/status?rows=100"))).toEqual(names.slice(0, 100));
    expect(filesIn(await get("/backup/status?rows=-3"))).toEqual(names.slice(0, 50));
    expect(filesIn(await get("/backup/older?from=x"))).toEqual(names.slice(50, 100));
  });

  test("looking at the page again leaves the backup folder as it was, so its listing is kept", async () => {
    const boss = await web.as("super_admin");
    const look = async () => (await web.request("/backup/status", { cookie: boss.token })).text();
    // The first look may write alerts.json and test that a file can be made there.
    await look();
    await web.built.alerts.settled();
    const folder = () => statSync(web.paths.backupsDir, { bigint: true });
    const before = folder();
    await look();
    await look();
    await web.built.alerts.settled();
    expect([folder().mtimeNs, folder().ctimeNs]).toEqual([before.mtimeNs, before.ctimeNs]);
  });
});
