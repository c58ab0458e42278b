import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { savesSettled } from "../../src/lib/files/fs-sync.ts";
import { craftBackup, craftedCase, PLANTED_TOKEN } from "../backup/crafted.ts";
import { sqliteShell } from "../backup/fixtures.ts";
import { form, makeWebApp } from "./app-fixture.ts";

describe("Database Backup page", () => {
  test("a user sees the status and list without restore, download or delete; a super admin sees them", async () => {
    const web = makeWebApp();
    await web.engine.createBackup({ kind: "manual", description: "<script>alert(1)</script>" });
    const user = await web.as("user");
    const page = await (await web.request("/backup/status", { cookie: user.token })).text();
    expect(page).toContain("Create Backup");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).not.toContain(">Restore<");
    expect(page).not.toContain("Emergency Restore");
    expect(page).not.toContain("backup.log");
    expect(page).toContain(web.paths.backupsDir);

    const boss = await web.as("super_admin");
    const full = await (await web.request("/backup/status", { cookie: boss.token })).text();
    expect(full).toContain(">Restore<");
    expect(full).toContain("Emergency Restore");
    expect(full).toContain("Download");
    expect(full).toContain("Recent backup activity");
    expect(full).toContain("<svg");
  });

  test("htmx: Create Backup answers the swapped area at once and polls until the backup is done", async () => {
    const web = makeWebApp();
    web.db.sqlite.run("CREATE TABLE blobs (data BLOB)");
    web.db.sqlite.run(
      "INSERT INTO blobs SELECT randomblob(65536) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 400) SELECT n FROM c)",
    );
    const user = await web.as("user");
    const res = await web.request("/backup/create", {
      method: "POST",
      cookie: user.token,
      csrf: user.csrfToken,
      headers: { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ description: "End of day" }),
    });
    expect(res.status).toBe(200);
    const fragment = await res.text();
    expect(fragment.startsWith('<div id="backup-area"')).toBe(true);
    expect(fragment).toContain('hx-trigger="every 2s"');
    expect(fragment).toContain("<progress");
    await web.engine.idle();
    // The route records its result in the promise chain that follows the engine's.
    await new Promise((resolve) => setImmediate(resolve));
    const after = await (
      await web.request("/backup/list", { cookie: user.token, headers: { "HX-Request": "true" } })
    ).text();
    expect(after).not.toContain('hx-trigger="every 2s"');
    expect(after).toMatch(/Backup created: manual_\d{8}_\d{6}_end_of_day\.db \(\d+(\.\d)? MB\)/);
  });

  test("without JavaScript: plain posts and redirects, a confirmation page before a restore", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const created = await web.request("/backup/create", {
      method: "POST",
      cookie: boss.token,
      ...form({ description: "plain form", _csrf: boss.csrfToken }),
    });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/backup/status");
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    expect(page).toContain("Backup created: manual_");
    // Shown once, to the one who did it: not on a reload, not to another session of the same person.
    expect(await (await web.request("/backup/status", { cookie: boss.token })).text()).not.toContain(
      "Backup created",
    );
    const again = await web.request("/backup/create", {
      method: "POST",
      cookie: boss.token,
      ...form({ description: "second", _csrf: boss.csrfToken }),
    });
    expect(again.status).toBe(303);
    const owner = await web.addUser("owner-two-browsers", "super_admin");
    const mine = web.sessionFor(owner);
    const elsewhere = web.sessionFor(owner);
    await web.request("/backup/create", {
      method: "POST",
      cookie: mine.token,
      ...form({ description: "third", _csrf: mine.csrfToken }),
    });
    expect(await (await web.request("/backup/status", { cookie: elsewhere.token })).text()).not.toContain(
      "Backup created",
    );
    expect(await (await web.request("/backup/status", { cookie: boss.token })).text()).toContain(
      "Backup created: manual_",
    );
    const name = web.engine.list().find((r) => r.description === "plain form")?.name as string;

    const confirm = await web.request(`/backup/confirm?action=restore&name=${name}`, { cookie: boss.token });
    const text = await confirm.text();
    expect(text).toContain(`This puts back: ${name} (“plain form”), with its data from`);
    expect(text).toContain("a safety backup of the database as it is now is taken first");
    expect(text).toContain("Everyone is signed out");
    expect(text).toContain('<form method="post" action="/backup/restore"');
    const restored = await web.request("/backup/restore", {
      method: "POST",
      cookie: boss.token,
      ...form({ name, _csrf: boss.csrfToken }),
    });
    expect(restored.status).toBe(303);
    const location = restored.headers.get("location") as string;
    expect(location).toStartWith("/login?restored=");
    const login = await (await web.request(location)).text();
    expect(login).toContain(`Restored from ${name}. A safety backup was saved as pre_restore_`);
  });

  test("htmx restore sends the browser to sign in again; a refused one shows why in place", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const backup = await web.engine.createBackup({ kind: "manual" });
    writeFileSync(join(web.paths.backupsDir, "broken.db"), "junk");
    const htmx = { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" };
    const refused = await web.request("/backup/restore", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: htmx,
      body: new URLSearchParams({ name: "broken.db" }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain(
      "Failed to restore backup: The backup broken.db cannot be restored: not an SQLite database file.",
    );
    const ok = await web.request("/backup/restore", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: htmx,
      body: new URLSearchParams({ name: backup.name }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("hx-redirect")).toStartWith(`/login?restored=${backup.name}`);
  });

  test("Check now runs the full check; the scheduler can be paused and resumed by a super admin", async () => {
    const web = makeWebApp();
    web.scheduler.start();
    const boss = await web.as("super_admin");
    const htmx = { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" };
    const check = await web.request("/backup/check", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: htmx,
    });
    expect(await check.text()).toContain("Database check: no problems found (full check");
    const pause = await web.request("/backup/scheduler", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: htmx,
      body: new URLSearchParams({ action: "pause" }),
    });
    expect(await pause.text()).toContain("Paused");
    expect(web.scheduler.status().paused).toBe(true);
    await web.request("/backup/scheduler", {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
      headers: htmx,
      body: new URLSearchParams({ action: "resume" }),
    });
    expect(web.scheduler.status().active).toBe(true);
    web.scheduler.stop();
  });
});

describe("upload", () => {
  async function uploadBody(
    fields: Record<string, string>,
    file: Uint8Array | null,
    filename = "usb copy.db",
  ) {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    if (file) data.set("file", new File([file], filename));
    const request = new Request("http://x/", { method: "POST", body: data });
    // Read the type first: Bun's Request forgets it once the body has been read.
    const type = request.headers.get("content-type") as string;
    return { body: new Uint8Array(await request.arrayBuffer()), type };
  }

  test("a good backup file is streamed in, checked and listed as uploaded; bad ones are refused and leave nothing", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const good = await web.engine.createBackup({ kind: "manual" });
    const goodBytes = new Uint8Array(readFileSync(join(web.paths.backupsDir, good.name)));
    const send = async (
      fields: Record<string, string>,
      file: Uint8Array | null,
      headers: Record<string, string> = {},
    ) => {
      const { body, type } = await uploadBody(fields, file);
      return web.request("/backup/upload", {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": type, "HX-Request": "true", ...headers },
        body,
      });
    };

    const ok = await send({ _csrf: boss.csrfToken, description: "USB stick" }, goodBytes);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/Backup uploaded: uploaded_\d{8}_\d{6}_usb_stick\.db/);
    const uploaded = web.engine.list().find((r) => r.kind === "uploaded");
    expect(uploaded?.health).toBe("verified");
    expect(uploaded?.description).toBe("USB stick");

    const noToken = await send({ description: "x" }, goodBytes);
    expect(noToken.status).toBe(403);
    const notSqlite = await send(
      { _csrf: boss.csrfToken },
      new TextEncoder().encode("just some text, not a database"),
    );
    expect(notSqlite.status).toBe(422);
    const refusal = await notSqlite.text();
    // The refusal is about the file sent, not a restore.
    expect(refusal).toContain("was not accepted as a backup: not an SQLite database file");
    expect(refusal).not.toContain("cannot be restored");
    const foreign = new Database(join(web.paths.dataDir, "other.db"));
    foreign.run("CREATE TABLE invoices (id INTEGER)");
    foreign.close();
    const foreignUpload = await send(
      { _csrf: boss.csrfToken },
      new Uint8Array(readFileSync(join(web.paths.dataDir, "other.db"))),
    );
    expect(foreignUpload.status).toBe(422);
    expect(await foreignUpload.text()).toContain("not a BusinessApp database");
    const empty = await send({ _csrf: boss.csrfToken }, null);
    expect(empty.status).toBe(400);

    // Truncated on the wire: the body ends in the middle of the file.
    const { body, type } = await uploadBody({ _csrf: boss.csrfToken }, goodBytes);
    const cut = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": type, "HX-Request": "true" },
      body: body.subarray(0, Math.floor(body.length / 2)),
    });
    expect(cut.status).toBe(400);
    expect(web.engine.list().filter((r) => r.kind === "uploaded")).toHaveLength(1);
    await savesSettled();
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a backup that could run code is refused at upload and by restore, and nothing changes", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const passwordBefore = web.db.sqlite.query("SELECT id, password_hash FROM users").all();
    const cases = [
      craftedCase("session_trigger"),
      craftedCase("password_trigger"),
      craftedCase("trigger_named_like_index"),
    ];
    for (const which of cases) {
      const reason = (which.reason ?? "").replace("BusinessApp's schema", "");
      const { body, type } = await uploadBody({ _csrf: boss.csrfToken }, readFileSync(craftBackup(which)));
      const upload = await web.request("/backup/upload", {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": type, "HX-Request": "true" },
        body,
      });
      expect(upload.status).toBe(422);
      expect(await upload.text()).toContain(reason);

      // The same file copied into the folder by hand: listed, but never restored.
      craftBackup(which, web.paths.backupsDir);
      const restore = await web.request(`/api/backups/${which.name}.db/restore`, {
        method: "POST",
        cookie: boss.token,
        csrf: boss.csrfToken,
      });
      expect(restore.status).toBe(422);
      const { error } = (await restore.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("backup.unusable");
      expect(error.message).toBe(`The backup ${which.name}.db cannot be restored: ${which.reason}.`);
    }
    // No restore happened: the session is still valid, nothing was uploaded, no safety copy made.
    const listed = await web.request("/api/backups", { cookie: boss.token });
    expect(listed.status).toBe(200);
    const { backups } = (await listed.json()) as {
      backups: { name: string; kind: string; health: string }[];
    };
    expect(backups.map((b) => [b.name, b.health]).sort()).toEqual([
      ["password_trigger.db", "damaged"],
      ["session_trigger.db", "damaged"],
      ["trigger_named_like_index.db", "damaged"],
    ]);
    expect(web.db.sqlite.query("SELECT id, password_hash FROM users").all()).toEqual(passwordBefore);
    expect(web.db.sqlite.query("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()).toEqual([]);
    expect((await web.request("/api/backups", { cookie: PLANTED_TOKEN })).status).toBe(401);
    await savesSettled();
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a WAL-mode database file is kept as a plain rollback-journal file that opens read-only with no -wal", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    // A BusinessApp database as the app leaves it: in WAL mode, its header bytes 18 and 19 say 2.
    const source = new DatabaseHandle(join(web.paths.dataDir, "from-another-pc.db"));
    source.open();
    source.sqlite.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
    source.sqlite.run("INSERT INTO items (name) VALUES ('from the other pc')");
    source.close();
    const bytes = new Uint8Array(readFileSync(source.path));
    expect([bytes[18], bytes[19]]).toEqual([2, 2]);

    const { body, type } = await uploadBody({ _csrf: boss.csrfToken }, bytes, "other pc.db");
    const res = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": type, "HX-Request": "true" },
      body,
    });
    expect(res.status).toBe(200);
    const record = web.engine.list().find((r) => r.kind === "uploaded");
    expect(record?.health).toBe("verified");
    const stored = join(web.paths.backupsDir, record?.name as string);
    const header = readFileSync(stored).subarray(18, 20);
    expect([...header]).toEqual([1, 1]);
    expect(record?.sha256).toBe(new Bun.CryptoHasher("sha256").update(readFileSync(stored)).digest("hex"));
    expect(sqliteShell(stored, "PRAGMA journal_mode; SELECT name FROM items;")).toBe(
      "delete\nfrom the other pc",
    );
    expect(existsSync(`${stored}-wal`)).toBe(false);
    expect(existsSync(`${stored}-shm`)).toBe(false);
  });

  test("a bare CR in an uploaded file's name never breaks a line of backup.log", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const name = "stock.db\r2025-09-22 09:00:00 - INFO - Database restored from backup_x.db";
    const boundary = "----limits";
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${boss.csrfToken}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n`,
      "Content-Type: application/octet-stream\r\n\r\nnot a database at all\r\n",
      `--${boundary}--\r\n`,
    ].join("");
    const res = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "HX-Request": "true" },
      body,
    });
    expect(res.status).toBe(422);
    const log = readFileSync(web.paths.log, "utf8");
    // A header with a control character is not a readable file name: the file is judged without one.
    expect(log).toContain("ERROR - Upload failed: The uploaded file was not accepted as a backup");
    expect(log).not.toContain("\r");
    expect(
      log
        .trimEnd()
        .split("\n")
        .every((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - [A-Z]+ - /.test(line)),
    ).toBe(true);
  });

  test("a file over max_upload_mb is refused while it streams", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_MAX_UPLOAD_MB: "1" } });
    const boss = await web.as("super_admin");
    const { body, type } = await uploadBody({ _csrf: boss.csrfToken }, new Uint8Array(3 * 1024 * 1024));
    // Sent as a stream without Content-Length, so only the streaming limit can catch it.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 65536) controller.enqueue(body.subarray(i, i + 65536));
        controller.close();
      },
    });
    const res = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": type, "HX-Request": "true" },
      body: stream,
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("the file is too large (at most 1.0 MB)");
    await savesSettled();
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
