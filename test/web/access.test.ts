import { describe, expect, test } from "bun:test";
import { type Access, NO_CSRF_TOKEN, ROUTE_ACCESS, STREAMED_BODY_ROUTES } from "../../src/web/access.ts";
import { makeWebApp } from "./app-fixture.ts";
import { type ApiScenario, EVERYONE, runScenarios, type WebApp, type Who } from "./scenarios.ts";

function registeredRoutes(app: WebApp["app"]): string[] {
  return [
    ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
  ].sort();
}

/** Who may call a route of each access level: the rule of the product, written out here on its own. */
const ALLOWED: Record<Access, readonly Who[]> = {
  anyone: EVERYONE,
  "signed-in": ["user", "admin", "super_admin"],
  admin: ["admin", "super_admin"],
  super_admin: ["super_admin"],
};

/** What the access rules make of a request: sent to sign in, 401, 403, or let through to the route. */
function expectedAnswer(
  key: string,
  access: Access,
  who: Who,
  withToken: boolean,
): ApiScenario["expectedStatus"] {
  const [method, path] = key.split(" ") as [string, string];
  if (!ALLOWED[access].includes(who)) {
    if (who !== "anonymous") return 403;
    if (method !== "GET" || path.startsWith("/api/")) return 401;
    return {
      rule: "sent to sign in, and back here after",
      test: (status, res) => status === 303 && (res.headers.get("location") ?? "").startsWith("/login?next="),
    };
  }
  if (!withToken && STREAMED_BODY_ROUTES.has(key)) {
    // The route reads its token from the streamed body (tested with a real upload); here it must not succeed.
    return { rule: "refused (no CSRF token)", test: (status) => status >= 400 && status < 500 };
  }
  if (!withToken && !NO_CSRF_TOKEN.has(key)) return 403;
  return {
    rule: "let through to the route, which answers without a fault",
    test: (status, res) =>
      status < 500 &&
      status !== 403 &&
      !(res.headers.get("location") ?? "").startsWith("/login?next") &&
      (access === "anyone" || status !== 401),
  };
}

/** Every route of the access table × anonymous, user, admin, super_admin × with and without CSRF token. */
function everyRouteByEveryone(): ApiScenario[] {
  const rows: ApiScenario[] = [];
  for (const [key, access] of Object.entries(ROUTE_ACCESS).sort()) {
    const [method, pattern] = key.split(" ") as ["GET" | "POST" | "DELETE", string];
    const unsafe = method !== "GET";
    for (const who of EVERYONE) {
      for (const withToken of unsafe ? [true, false] : [true]) {
        rows.push({
          name: `${key} as ${who}${unsafe && !withToken ? " without CSRF token" : ""}`,
          as: who,
          method,
          url: (web) =>
            pattern
              .replace(":id", String(web.auth.users.findByName("target")?.id))
              .replace(":name", "app.css"),
          ...(unsafe ? { form: {} } : {}),
          csrf: withToken,
          // A route that answers failures of plain posts with a redirect shows its status to htmx.
          headers: STREAMED_BODY_ROUTES.has(key) ? { "HX-Request": "true" } : {},
          expectedStatus: expectedAnswer(key, access, who, withToken),
        });
      }
    }
  }
  return rows;
}

describe("access control", () => {
  test("every route of the app has an entry in the access table, and every entry is a route", () => {
    const { app } = makeWebApp();
    expect(registeredRoutes(app)).toEqual(Object.keys(ROUTE_ACCESS).sort());
  });

  describe("every route by everyone", () => {
    runScenarios(everyRouteByEveryone(), {
      shared: { setup: (web) => web.addUser("target", "user") },
    });
  });
});

describe("state changes from another site", () => {
  const mallory = { username: "mallory", role: "super_admin", password: "password123" };
  const csrfDenials = (web: WebApp) =>
    web.auth.audit.newest().filter((e) => e.action === "csrf" && e.outcome === "denied");
  runScenarios([
    {
      name: "a post from another site is refused even with a valid token, and audited",
      as: "super_admin",
      method: "POST",
      url: "/users",
      headers: { Origin: "http://evil.example" },
      form: mallory,
      expectedStatus: 403,
      after: ({ web }) => {
        expect(web.auth.users.findByName("mallory")).toBeUndefined();
        expect(csrfDenials(web)).toHaveLength(1);
      },
    },
    {
      name: "a post from a cross-site page is refused, and audited",
      as: "super_admin",
      method: "POST",
      url: "/logout",
      headers: { "Sec-Fetch-Site": "cross-site" },
      expectedStatus: 403,
      after: ({ web, session }) => {
        expect(csrfDenials(web)).toHaveLength(1);
        expect(web.auth.sessions.find(session?.token)).not.toBeNull();
      },
    },
    {
      name: "the same post from the app's own page, with the token in the form, works",
      as: "super_admin",
      method: "POST",
      url: "/users",
      csrf: false,
      form: (session) => ({ ...mallory, role: "user", _csrf: session?.csrfToken ?? "" }),
      expectedStatus: 303,
      after: ({ web }) => expect(web.auth.users.findByName("mallory")?.role).toBe("user"),
    },
  ]);
});
