import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "../../src/db/schema.ts";
import { allows, NO_CSRF_TOKEN, ROUTE_ACCESS, STREAMED_BODY_ROUTES } from "../../src/web/access.ts";
import { form, makeWebApp } from "./app-fixture.ts";

type Who = "anonymous" | Role;
const WHO: Who[] = ["anonymous", "user", "admin", "super_admin"];

async function setup() {
  const web = makeWebApp();
  const users = {
    user: await web.addUser("uma", "user"),
    admin: await web.addUser("adam", "admin"),
    super_admin: await web.addUser("sara", "super_admin"),
  };
  const target = await web.addUser("target", "user");
  return { ...web, users, target };
}

function registeredRoutes(app: ReturnType<typeof makeWebApp>["app"]): string[] {
  return [
    ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
  ].sort();
}

describe("access control", () => {
  test("every route of the app has an entry in the access table, and every entry is a route", () => {
    const { app } = makeWebApp();
    expect(registeredRoutes(app)).toEqual(Object.keys(ROUTE_ACCESS).sort());
  });

  test("every route × anonymous, user, admin, super_admin × with and without CSRF token", async () => {
    const web = await setup();
    const failures: string[] = [];
    for (const key of registeredRoutes(web.app)) {
      const [method, pattern] = key.split(" ") as [string, string];
      const path = pattern.replace(":id", String(web.target.id)).replace(":name", "app.css");
      const access = ROUTE_ACCESS[key] ?? "super_admin";
      const unsafe = !["GET", "HEAD"].includes(method);
      for (const who of WHO) {
        for (const withToken of unsafe ? [true, false] : [true]) {
          const session = who === "anonymous" ? null : web.sessionFor(web.users[who]);
          const body = unsafe ? form({}) : { headers: {} };
          const res = await web.request(path, {
            method,
            cookie: session?.token ?? null,
            csrf: withToken ? (session?.csrfToken ?? null) : null,
            ...body,
            // A route that answers failures of plain posts with a redirect shows its status to htmx.
            headers: STREAMED_BODY_ROUTES.has(key) ? { ...body.headers, "HX-Request": "true" } : body.headers,
          });
          const role = who === "anonymous" ? null : who;
          const location = res.headers.get("location") ?? "";
          let expected: string;
          let ok: boolean;
          if (!allows(access, role)) {
            if (role === null && method === "GET" && !path.startsWith("/api/")) {
              expected = "303 to /login";
              ok = res.status === 303 && location.startsWith(`/login?next=${encodeURIComponent(path)}`);
            } else if (role === null) {
              expected = "401";
              ok = res.status === 401;
            } else {
              expected = "403";
              ok = res.status === 403;
            }
          } else if (unsafe && !withToken && STREAMED_BODY_ROUTES.has(key)) {
            // The route reads its token from the streamed body (tested with a real upload); here it must not succeed.
            expected = "refused (no CSRF token)";
            ok = res.status >= 400;
          } else if (unsafe && !withToken && !NO_CSRF_TOKEN.has(key)) {
            expected = "403 (no CSRF token)";
            ok = res.status === 403;
          } else {
            expected = "allowed";
            ok =
              res.status !== 403 &&
              !location.startsWith("/login?next") &&
              (access === "anyone" || res.status !== 401);
          }
          if (!ok)
            failures.push(
              `${key} as ${who}${unsafe ? (withToken ? " with token" : " without token") : ""}: ${res.status}, expected ${expected}`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test("a state change from another site is refused even with a valid token, and audited", async () => {
    const web = await setup();
    const { token, csrfToken } = web.sessionFor(web.users.super_admin);
    const evil = await web.request("/users", {
      method: "POST",
      cookie: token,
      csrf: csrfToken,
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "mallory", role: "super_admin", password: "password123" }),
    });
    expect(evil.status).toBe(403);
    const crossSite = await web.request("/logout", {
      method: "POST",
      cookie: token,
      csrf: csrfToken,
      headers: { "Sec-Fetch-Site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    expect(web.auth.users.findByName("mallory")).toBeUndefined();
    const trail = web.auth.audit.newest();
    expect(trail.filter((e) => e.action === "csrf" && e.outcome === "denied")).toHaveLength(2);
    // The same request from the app's own page works.
    const own = await web.request("/users", {
      method: "POST",
      cookie: token,
      ...form({ username: "mallory", role: "user", password: "password123", _csrf: csrfToken }),
    });
    expect(own.status).toBe(303);
  });

  test("requests for another host name are refused (DNS rebinding); allowed_hosts adds names", async () => {
    const web = makeWebApp({ allowedHosts: ["shop-pc.local"] });
    for (const host of ["localhost:5000", "127.0.0.1:5000", "[::1]:5000", "shop-pc.local:5000"]) {
      expect((await web.app.request("http://x/api/health", { headers: { Host: host } })).status).toBe(200);
    }
    for (const host of ["evil.example:5000", "localhost.evil.example", "192.168.1.5:5000"]) {
      expect((await web.app.request("http://x/api/health", { headers: { Host: host } })).status).toBe(403);
    }
    const api = await web.app.request("http://x/api/status", { headers: { Host: "evil.example" } });
    expect(await api.json()).toEqual({
      error: {
        code: "host_not_allowed",
        message: 'This app does not answer to the name "evil.example". Add it to allowed_hosts to use it.',
      },
    });
    const page = await web.app.request("http://x/login", { headers: { Host: "evil.example" } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("<!DOCTYPE html>");
  });

  test("a malformed Host is 400 with a clear message, JSON under /api, and no ERROR line", async () => {
    const web = makeWebApp();
    for (const host of ["a b", "x/y", "localhost:port", "[::1", "local_host", "localhost:5000:1"]) {
      const api = await web.app.request("http://x/api/health", { headers: { Host: host } });
      expect(api.status).toBe(400);
      const body = (await api.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("bad_host");
      expect(body.error.message).toContain("Host header is not a host name or address");
      const page = await web.app.request("http://x/login", { headers: { Host: host } });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain("Bad request");
    }
    const log = join(web.paths.backupsDir, "backup.log");
    expect(existsSync(log) ? readFileSync(log, "utf8") : "").not.toContain(" - ERROR - ");
  });
});
