import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json";

import { dataPaths, type RunningApp, signIn, tempDir } from "../helpers.ts";
import {
  addUser,
  listUsers,
  prepareWine,
  runExe,
  serveExe,
  type Wine,
  windowsPath,
  wineMissing,
} from "./wine.ts";

interface Listed {
  name: string;
  kind: string;
  health: string;
  description: string;
}

/** `PRAGMA integrity_check` of a closed SQLite file, read-only. */
function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.query("PRAGMA integrity_check").values()[0]?.[0]);
  } finally {
    db.close();
  }
}

describe.skipIf(wineMissing())("BusinessApp.exe under Wine", () => {
  let wine: Wine;
  beforeAll(async () => {
    wine = await prepareWine();
  }, 300_000);

  test("--version names the app and the version of package.json", async () => {
    const result = await runExe(wine, ["--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`BusinessApp ${pkg.version}`);
  });

  describe("serving", () => {
    let dataDir: string;
    let data: string;
    let app: RunningApp;
    let headers: Record<string, string>;

    beforeAll(async () => {
      dataDir = tempDir("business-app-wine-serve-");
      data = windowsPath(dataDir);
      await addUser(wine, data, "boss");
      app = await serveExe(wine, dataDir, ["--no-startup-backup"]);
      ({ headers } = await signIn(app, "boss"));
    }, 120_000);

    afterAll(async () => {
      if (app?.proc.exitCode === null) await app.stop("SIGINT");
    });

    const post = (path: string, body: unknown = {}) =>
      fetch(`${app.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });

    test("GET /api/health answers ok; the log names the Windows data folder", async () => {
      const res = await fetch(`${app.url}/api/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
      expect(app.output()).toContain(`data folder ${data}`);
    });

    test("the set-up guide's folder chooser lists the drive letters, with their free space", async () => {
      const res = await fetch(`${app.url}/welcome/folders`, { headers });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('hx-get="/welcome/folders?path=C%3A%5C"');
      expect(html).toMatch(/C:<\/a> <span class="muted small">(removable · )?[\d.]+ [KMGT]?B free<\/span>/);
      const inside = await (
        await fetch(`${app.url}/welcome/folders?path=${encodeURIComponent("C:\\")}`, { headers })
      ).text();
      expect(inside).toContain("windows");
    });

    test("a backup through the web API while serving is a whole SQLite file that `list --json` shows verified", async () => {
      const res = await post("/api/backups", { description: "Before the stock count" });
      expect(res.status).toBe(201);
      const { backup } = (await res.json()) as { backup: Listed };
      expect(backup.name).toMatch(/^manual_\d{8}_\d{6}_before_the_stock_count\.db$/);
      const file = join(dataPaths(dataDir).backupsDir, backup.name);
      expect(integrity(file)).toBe("ok");
      expect(existsSync(`${file}-wal`)).toBe(false);

      const listed = await runExe(wine, ["list", "--json", "--data-dir", data]);
      expect(listed.exitCode).toBe(0);
      const { backups } = JSON.parse(listed.stdout) as { backups: Listed[] };
      expect(backups.find((b) => b.name === backup.name)).toMatchObject({
        kind: "manual",
        health: "verified",
        description: "Before the stock count",
      });
      // Its full check follows in the background, in a process of its own: the program run again.
      const manifest = join(dataPaths(dataDir).backupsDir, "manifest.json");
      const fullCheck = () => {
        try {
          const { backups: records } = JSON.parse(readFileSync(manifest, "utf8")) as {
            backups: Record<string, { fullCheck?: { sha256: string } | null }>;
          };
          return records[backup.name]?.fullCheck?.sha256 ?? null;
        } catch {
          return null; // Being replaced as we read.
        }
      };
      for (let look = 0; look < 600 && !fullCheck(); look++) await Bun.sleep(100);
      expect(fullCheck()).toMatch(/^[0-9a-f]{64}$/);
    });

    test("a restore through the web API brings back the backed-up users and keeps a safety backup", async () => {
      const made = await post("/api/backups", { description: "Only the boss" });
      expect(made.status).toBe(201);
      const { backup } = (await made.json()) as { backup: Listed };
      await addUser(wine, data, "clerk", "user");
      expect(await listUsers(wine, data)).toEqual(["boss", "clerk"]);

      const res = await post(`/api/backups/${backup.name}/restore`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { restoredFrom: string; safetyBackup: string };
      expect(body.restoredFrom).toBe(backup.name);
      expect(body.safetyBackup).toMatch(/^pre_restore_\d{8}_\d{6}(_\d+)?\.db$/);
      expect(await listUsers(wine, data)).toEqual(["boss"]);
      expect(integrity(join(dataPaths(dataDir).backupsDir, body.safetyBackup))).toBe("ok");
      expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
      ({ headers } = await signIn(app, "boss"));
    });

    test("every change is captured under Windows: a user added beside the app is undone to the second before it", async () => {
      const status = async () =>
        (
          (await (await fetch(`${app.url}/api/status`, { headers })).json()) as {
            continuous: { active: boolean; lastCapturedAt: string | null };
          }
        ).continuous;
      const settle = async (since: number) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const now = await status();
          if (now.active && (since === 0 || Date.parse(now.lastCapturedAt ?? "0") >= since)) return;
          if (Date.now() > deadline) throw new Error(`nothing captured: ${JSON.stringify(now)}`);
          await Bun.sleep(100);
        }
      };
      // The restore before this one started a new chain: the moment to go back to is once it runs.
      await settle(0);
      const before = new Date();
      await Bun.sleep(1000);
      // Taken before the command starts: the app may capture its change before Wine lets it end.
      const added = Date.now();
      await addUser(wine, data, "mallory", "admin");
      await settle(added);
      const res = await post("/api/continuous/restore", { at: before.toISOString() });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { restoredFrom: string; kept: string | null; point: { at: string } };
      expect(body.restoredFrom).toStartWith("the database as it was at ");
      expect(body.kept).toBeNull();
      expect(Date.parse(body.point.at)).toBeLessThanOrEqual(before.getTime());
      expect(await listUsers(wine, data)).toEqual(["boss"]);
      ({ headers } = await signIn(app, "boss"));
    });

    // Last in this block: it stops the server the tests above share.
    test("Ctrl+C (SIGINT) stops it gracefully: exit 0, `Application stopped` logged, the database closed whole", async () => {
      expect(await app.stop("SIGINT")).toBe(0);
      const log = readFileSync(join(dataPaths(dataDir).backupsDir, "backup.log"), "utf8");
      expect(log).toContain("Application stopping (SIGINT)");
      expect(log.trimEnd()).toEndWith("INFO - Application stopped");
      // A closed WAL database has been checkpointed into the main file and its -wal removed.
      expect(existsSync(join(dataDir, "business_data.db-wal"))).toBe(false);
      expect(integrity(dataPaths(dataDir).database)).toBe("ok");
    });
  });

  test("a data folder with spaces and non-ASCII letters works for every command", async () => {
    const dataDir = join(tempDir("business-app-wine-names-"), "Läden Daten ü");
    const data = windowsPath(dataDir);
    await addUser(wine, data, "boss");
    const made = await runExe(wine, ["backup", "--description", "Käse & Brötchen", "--data-dir", data]);
    expect(made.exitCode).toBe(0);
    const name = made.stdout.match(/Backup created: (\S+\.db)/)?.[1] as string;
    expect(name).toMatch(/^manual_\d{8}_\d{6}_/);
    // The folder has exactly the name given, not a mangled one beside it.
    expect(readdirSync(dataDir).sort()).toContain("business_data.db");
    expect(existsSync(join(dataPaths(dataDir).backupsDir, name))).toBe(true);

    const verified = await runExe(wine, ["verify", "--all", "--data-dir", data]);
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toContain(name);
    const restored = await runExe(wine, ["restore", "--latest", "--yes", "--data-dir", data]);
    expect(restored.exitCode).toBe(0);
    expect(restored.stdout).toContain(`Restored from ${name}.`);
    const listed = await runExe(wine, ["list", "--json", "--data-dir", data]);
    const { backups } = JSON.parse(listed.stdout) as { backups: Listed[] };
    expect(backups.find((b) => b.name === name)).toMatchObject({
      health: "verified",
      description: "Käse & Brötchen",
    });
    expect(backups.map((b) => b.kind).sort()).toEqual(["manual", "pre_restore"]);
    expect(await listUsers(wine, data)).toEqual(["boss"]);
  });
});
