import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { ROUTE_ACCESS } from "../../src/web/access.ts";
import type { AppEnv } from "../../src/web/context.ts";
import { startServer } from "../../src/web/server.ts";
import { freePort } from "../helpers.ts";
import { makeWebApp } from "./app-fixture.ts";

async function signedIn() {
  const web = makeWebApp();
  const user = await web.addUser("anna", "user");
  const { token } = web.sessionFor(user);
  return { ...web, token };
}

describe("web server", () => {
  test("GET /api/health says ok while the database answers, degraded when it does not", async () => {
    const { request, db, recovery } = makeWebApp();
    const ok = await request("/api/health");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok" });
    expect(ok.headers.get("cache-control")).toBe("no-store");
    db.close();
    expect(await (await request("/api/health")).json()).toEqual({
      status: "degraded",
      reasons: ["database_unavailable"],
    });
    db.open();
    expect(await (await request("/api/health")).json()).toEqual({ status: "ok" });
    recovery.enter("The database cannot be used: it failed its check.");
    expect(await (await request("/api/health")).json()).toEqual({
      status: "degraded",
      reasons: ["recovery_mode"],
    });
  });

  test("the home page shows the data files and loads only files of this server", async () => {
    const { request, paths, token, db } = await signedIn();
    db.sqlite.run("CREATE TABLE items (name TEXT)");
    db.sqlite.run("INSERT INTO items VALUES ('apples'), ('pears'), ('plums')");
    const res = await request("/", { cookie: token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain(paths.database);
    expect(html).toContain(paths.backupsDir);
    expect(html).toContain("9.9.9");
    // Every table with its row count (counted in the worker); the app's own tables in words.
    expect(html).toContain('<dt class="name">Your table “items”</dt><dd>3 rows</dd>');
    expect(html).toContain("<dt>User accounts</dt><dd>1</dd>");
    expect(html).not.toContain("audit_log");
    const urls = [...html.matchAll(/(?:src|href|action)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url.startsWith("/")).toBe(true);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    for (const url of urls.filter((u) => u.startsWith("/static/"))) {
      expect((await request(url)).status).toBe(200);
    }
  });

  test("embedded assets are served with long cache headers and answer 304 to their ETag", async () => {
    const { request, token } = await signedIn();
    const html = await (await request("/", { cookie: token })).text();
    const htmx = html.match(/src="(\/static\/htmx\.min\.js\?v=[0-9a-f]+)"/)?.[1];
    expect(htmx).toBeDefined();
    const res = await request(htmx as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(await res.text()).toContain("htmx");
    const etag = res.headers.get("etag") as string;
    const again = await request(htmx as string, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const css = await request("/static/app.css");
    expect(css.headers.get("content-type")).toContain("text/css");
  });

  test("unknown paths get a 404 page, or a JSON error under /api", async () => {
    const { request } = makeWebApp();
    const page = await request("/no/such/page");
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Page not found");
    const api = await request("/api/no-such-thing");
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({
      error: { code: "request.not_found", message: "There is nothing at /api/no-such-thing." },
    });
    expect((await request("/static/../../package.json")).status).toBe(404);
  });

  test("expected refusals are no ERROR lines: 503 while a restore has the database closed, and 4xx", async () => {
    const { request, token, db, paths } = await signedIn();
    const log = join(paths.backupsDir, "backup.log");
    // What a restore does between its checkpoint and the reopening of the restored file.
    db.close();
    const api = await request("/api/status", { cookie: token });
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("app.restore_in_progress");
    const page = await request("/backup/status", { cookie: token });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("Temporarily unavailable");
    db.open();
    expect((await request("/api/no-such-thing")).status).toBe(404);
    expect((await request("/api/status")).status).toBe(401);
    expect((await request("/users", { cookie: token })).status).toBe(403);
    expect(
      (
        await request("/api/session", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: "{",
        })
      ).status,
    ).toBe(400);
    expect(existsSync(log) ? readFileSync(log, "utf8") : "").not.toContain(" - ERROR - ");
  });

  test("a server error answers 500 with a plain message, and the log has the reason", async () => {
    const { app, request, paths } = makeWebApp();
    app.get("/__boom", () => {
      throw new Error("disk on fire");
    });
    // Outside the access table a route is refused before it runs (deny by default) …
    expect((await request("/__boom")).status).toBe(403);
    // … so open it for this test only.
    ROUTE_ACCESS["GET /__boom"] = "anyone";
    try {
      const res = await request("/__boom", { headers: { Accept: "application/json" } });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain("Something went wrong on the server");
      expect(body.error.message).not.toContain("disk on fire");
      expect(await Bun.file(join(paths.backupsDir, "backup.log")).text()).toContain(
        "GET /__boom failed: disk on fire",
      );
    } finally {
      delete ROUTE_ACCESS["GET /__boom"];
    }
  });
});

describe("the server's first answer", () => {
  test("is told once, after the first request's answer is made, whatever comes after", async () => {
    const web = new Hono<AppEnv>();
    const answered: string[] = [];
    web.get("/slow", async (c) => {
      await Bun.sleep(30);
      answered.push("slow made");
      return c.text("slow");
    });
    web.get("/fast", (c) => c.text("fast"));
    const told: number[] = [];
    const server = startServer(web, {
      host: "127.0.0.1",
      port: freePort(),
      maxUploadMb: 1,
      onFirstAnswer: () => told.push(answered.length),
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/slow`)).text()).toBe("slow");
      for (const path of ["/fast", "/slow", "/missing"]) await (await fetch(`${base}${path}`)).text();
      // Once, and only after the slow answer was made.
      expect(told).toEqual([1]);
    } finally {
      server.forceStop();
    }
  });
});
