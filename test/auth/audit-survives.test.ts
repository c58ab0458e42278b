import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { runCli, tempDir } from "../helpers.ts";
import { makeWebApp, PASSWORD } from "../web/app-fixture.ts";

const actions = (web: ReturnType<typeof makeWebApp>) =>
  web.auth.audit.newest(100).map((e) => `${e.username ?? "—"}: ${e.action} ${e.target ?? ""}`.trim());

/** Rows an older version wrote into the database's own audit_log table. */
function writeOldEntries(path: string, count: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    "INSERT INTO audit_log (at, username, action, target, outcome, client_address) VALUES (?, 'anna', 'sign-in', NULL, 'success', '127.0.0.1')",
  );
  for (let i = 0; i < count; i++) insert.run(Date.UTC(2025, 0, 1) + i * 1000);
  db.close();
}

const rowsIn = (path: string, table = "audit_log") => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe("the audit trail survives restores", () => {
  test("entries made after a backup are still there after restoring it, and the restore is one of them", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const backup = await web.engine.createBackup({ kind: "manual", description: "Before bernd" });
    const res = await web.request("/users", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "bernd", password: PASSWORD, role: "user" }).toString(),
    });
    expect(res.status).toBe(303);
    expect(actions(web)).toContain(`${web.auth.users.findById(1)?.username}: user: add bernd`);
    const restored = await web.request(`/api/backups/${backup.name}/restore`, {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
    });
    expect(restored.status).toBe(200);
    await web.engine.settled();
    // The user is gone with the restore; the record that someone added him is not.
    expect(web.auth.users.findByName("bernd")).toBeUndefined();
    const after = actions(web);
    expect(after.some((a) => a.endsWith("user: add bernd"))).toBe(true);
    expect(after[0]).toEndWith(`backup: restore ${backup.name}`);
  });

  test("entries an older version kept in the database move into the trail once, also after restoring an old backup", async () => {
    const dataDir = tempDir("business-app-audit-move-");
    const make = () =>
      createApp({ flags: { data_dir: dataDir }, env: {}, appDir: dataDir, cwd: dataDir }, { echo: null });
    const first = make();
    first.db.open();
    first.db.close();
    writeOldEntries(first.paths.database, 3);
    // A backup of the database as the older version left it, entries included.
    const oldBackup = join(dataDir, "old-copy.db");
    copyFileSync(first.paths.database, oldBackup);

    const app = make();
    app.db.open();
    expect(app.auth.audit.newest(10).map((e) => e.action)).toEqual(["sign-in", "sign-in", "sign-in"]);
    expect(rowsIn(app.paths.database)).toBe(0);
    app.db.close();
    app.db.open();
    expect(app.auth.audit.count()).toBe(3);
    // The old backup comes back with the same entries: they are not added twice.
    app.db.close();
    copyFileSync(oldBackup, app.paths.database);
    app.db.open();
    expect(app.auth.audit.count()).toBe(3);
    expect(rowsIn(app.paths.database)).toBe(0);
    app.db.close();
    app.auth.audit.close();
    expect(rowsIn(join(dataDir, "business_audit.db"))).toBe(3);
  });

  test("a restore at the command line is in the trail too", async () => {
    const dataDir = tempDir("business-app-audit-cli-");
    const app = createApp(
      { flags: { data_dir: dataDir }, env: {}, appDir: dataDir, cwd: dataDir },
      { echo: null },
    );
    app.db.open();
    app.db.close();
    expect((await runCli(["backup", "--data-dir", dataDir])).exitCode).toBe(0);
    const restore = await runCli(["restore", "--latest", "--yes", "--data-dir", dataDir]);
    expect(restore.exitCode).toBe(0);
    const [entry] = app.auth.audit.newest(1);
    expect(entry).toMatchObject({ action: "backup: emergency restore", outcome: "success" });
    expect(entry?.username).toStartWith("command line");
    expect(entry?.target).toMatch(/^manual_/);
  });
});
