import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { dataPaths, type RunningApp, signIn, tempDir } from "../helpers.ts";
import {
  addUser,
  holdFile,
  listUsers,
  prepareWine,
  runExe,
  serveExe,
  type Wine,
  windowsPath,
  wineMissing,
} from "./wine.ts";

/**
 * Windows refuses to replace a file that another program has open without delete sharing, as
 * SQLite and most tools open a database there (a database viewer, an antivirus scanner, a sync
 * tool). A restore then cannot put the backup in place: the app waits for the other program for
 * a while, then refuses clearly, keeps the database it has and makes no second safety backup.
 */
describe.skipIf(wineMissing())("restore while another program holds the database", () => {
  let wine: Wine;
  let dataDir: string;
  let data: string;
  let app: RunningApp;
  let headers: Record<string, string>;
  let backup: string;

  beforeAll(async () => {
    wine = await prepareWine();
    dataDir = tempDir("business-app-wine-held-");
    data = windowsPath(dataDir);
    await addUser(wine, data, "boss");
    // A short wait for the other program keeps the suite quick; the default is 20 s.
    writeFileSync(join(dataDir, "business-app.config.json"), '{ "busy_file_wait_seconds": 4 }');
    app = await serveExe(wine, dataDir, ["--no-startup-backup"]);
    ({ headers } = await signIn(app, "boss"));
    const res = await fetch(`${app.url}/api/backups`, {
      method: "POST",
      headers,
      body: JSON.stringify({ description: "Only the boss" }),
    });
    expect(res.status).toBe(201);
    backup = ((await res.json()) as { backup: { name: string } }).backup.name;
    // After the backup: the clerk is what a restore of it would take away.
    await addUser(wine, data, "clerk", "user");
  }, 300_000);

  afterAll(async () => {
    if (app?.proc.exitCode === null) await app.stop("SIGINT");
  });

  const restore = () => fetch(`${app.url}/api/backups/${backup}/restore`, { method: "POST", headers });

  async function safetyBackups(): Promise<string[]> {
    const listed = await runExe(wine, ["list", "--json", "--data-dir", data]);
    expect(listed.exitCode).toBe(0);
    const { backups } = JSON.parse(listed.stdout) as { backups: { name: string; kind: string }[] };
    return backups.filter((b) => b.kind === "pre_restore").map((b) => b.name);
  }

  test("is refused with 409 naming business_data.db; the data stays and at most one safety backup is made", async () => {
    const before = await safetyBackups();
    const held = await holdFile(wine, dataPaths(dataDir).database);
    let res: Response;
    let body: { error?: { code: string; message: string } };
    try {
      res = await restore();
      body = (await res.json()) as typeof body;
    } finally {
      expect(await held.release()).toBe(0);
    }
    expect({ status: res.status, body }).toMatchObject({ status: 409, body: { error: {} } });
    expect(body.error?.message).toContain("business_data.db");
    expect(body.error?.message).toMatch(/another program has (it|business_data\.db) open/i);
    // The database in use was neither replaced nor closed for good.
    expect(await listUsers(wine, data)).toEqual(["boss", "clerk"]);
    expect((await fetch(`${app.url}/api/status`, { headers })).status).toBe(200);
    expect((await safetyBackups()).length - before.length).toBeLessThanOrEqual(1);
  }, 120_000);

  test("waits for a program that lets go of the file meanwhile, then restores", async () => {
    await addUser(wine, data, "clerk2", "user");
    const held = await holdFile(wine, dataPaths(dataDir).database);
    const answer = restore();
    // Bounded: the app says in its log that it waits for the other program.
    const log = join(dataPaths(dataDir).backupsDir, "backup.log");
    const deadline = Date.now() + 30_000;
    let waitLines = 0;
    const count = () => readFileSync(log, "utf8").split("waiting up to 4 s for it to close it").length - 1;
    const before = count();
    while (Date.now() < deadline && waitLines <= before) {
      waitLines = count();
      await Bun.sleep(20);
    }
    expect(waitLines).toBe(before + 1);
    expect(await held.release()).toBe(0);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await listUsers(wine, data)).toEqual(["boss"]);
  }, 60_000);

  test("succeeds once the other program has closed the file", async () => {
    // The restore before ended every session.
    ({ headers } = await signIn(app, "boss"));
    const held = await holdFile(wine, dataPaths(dataDir).database);
    expect(await held.release()).toBe(0);
    const res = await restore();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { restoredFrom: string }).restoredFrom).toBe(backup);
    expect(await listUsers(wine, data)).toEqual(["boss"]);
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
  });
});
