import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BackupEngine } from "../../src/backup/engine.ts";
import { RecoveryState } from "../../src/backup/recovery.ts";
import { dataPaths } from "../../src/config/paths.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { createLog } from "../../src/lib/log.ts";
import { BackupScheduler } from "../../src/scheduler/scheduler.ts";
import { createApp } from "../../src/web/server.ts";
import { tempDir } from "../helpers.ts";

function makeApp() {
  const paths = dataPaths(tempDir());
  const db = new DatabaseHandle(paths.database);
  db.open();
  const log = createLog({ path: paths.log, echo: null });
  const engine = new BackupEngine({
    database: paths.database,
    backupsDir: paths.backupsDir,
    operationLock: paths.operationLock,
    log,
    retention: { automatic: 10, manual: null, pre_restore: 5 },
    db,
  });
  const scheduler = new BackupScheduler({ cadence: { hours: 6 }, log, run: async () => "" });
  const recovery = new RecoveryState();
  const app = createApp({ db, paths, log, version: "9.9.9", engine, scheduler, recovery });
  return { app, db, paths, recovery };
}

describe("web server", () => {
  test("GET /api/health says ok while the database answers, degraded when it does not", async () => {
    const { app, db, recovery } = makeApp();
    const ok = await app.request("/api/health");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok" });
    expect(ok.headers.get("cache-control")).toBe("no-store");
    recovery.enter("it failed its check");
    expect(await (await app.request("/api/health")).json()).toEqual({ status: "degraded" });
    recovery.leave();
    db.close();
    const degraded = await app.request("/api/health");
    expect(await degraded.json()).toEqual({ status: "degraded" });
  });

  test("the home page shows the data files and loads only files of this server", async () => {
    const { app, paths, db } = makeApp();
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain(paths.database);
    expect(html).toContain(paths.backupsDir);
    expect(html).toContain("9.9.9");
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url.startsWith("/")).toBe(true);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    for (const url of urls.filter((u) => u.startsWith("/static/"))) {
      expect((await app.request(url)).status).toBe(200);
    }
    db.close();
  });

  test("embedded assets are served with long cache headers and answer 304 to their ETag", async () => {
    const { app, db } = makeApp();
    const html = await (await app.request("/")).text();
    const htmx = html.match(/src="(\/static\/htmx\.min\.js\?v=[0-9a-f]+)"/)?.[1];
    expect(htmx).toBeDefined();
    const res = await app.request(htmx as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(res.headers.get("cache-control")).toContain("immutable");
    const body = await res.text();
    expect(body).toContain("htmx");
    const etag = res.headers.get("etag") as string;
    const again = await app.request(htmx as string, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const css = await app.request("/static/app.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    db.close();
  });

  test("unknown paths get a 404 page, or a JSON error under /api", async () => {
    const { app, db } = makeApp();
    const page = await app.request("/no/such/page");
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Page not found");
    const api = await app.request("/api/no-such-thing");
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({
      error: { code: "not_found", message: "There is nothing at /api/no-such-thing." },
    });
    const asset = await app.request("/static/../../package.json");
    expect(asset.status).toBe(404);
    db.close();
  });

  test("a server error answers 500 with a plain message, and the log has the reason", async () => {
    const { app, db, paths } = makeApp();
    db.close();
    // The home page needs no open database; the health route handles it. Break a route on purpose:
    app.get("/__boom", () => {
      throw new Error("disk on fire");
    });
    const res = await app.request("/__boom", { headers: { Accept: "application/json" } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).not.toContain("disk on fire");
    expect(await Bun.file(join(paths.backupsDir, "backup.log")).text()).toContain("disk on fire");
  });
});
