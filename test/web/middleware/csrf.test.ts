import { describe, expect, test } from "bun:test";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../../../src/web/middleware/access.ts";
import { csrfProtection } from "../../../src/web/middleware/csrf.ts";
import { bareApp, bareAuth, ORIGIN } from "./bare-app.ts";

async function setup() {
  const bare = bareApp();
  const { auth, sessionAs } = await bareAuth();
  // What the access middleware does before: the request's session, if any.
  bare.app.use(async (c, next) => {
    c.set("session", auth.sessions.find(getCookie(c, SESSION_COOKIE)));
    return next();
  });
  bare.app.use(csrfProtection({ audit: auth.audit }));
  for (const path of ["/items", "/api/items", "/login", "/backup/upload"]) {
    bare.app.post(path, (c) => c.text("changed"));
  }
  bare.app.get("/items", (c) => c.text("read"));
  const denials = () => auth.audit.newest().filter((e) => e.action === "csrf" && e.outcome === "denied");
  return { ...bare, session: await sessionAs("user"), denials };
}

const post = (headers: Record<string, string>, body?: URLSearchParams) => ({
  method: "POST",
  headers: { Origin: ORIGIN, ...headers },
  ...(body ? { body } : {}),
});

describe("CSRF protection", () => {
  test("a post from the app's own page passes with the token in the header or in the form field", async () => {
    const { app, session } = await setup();
    const inHeader = await app.request(
      `${ORIGIN}/items`,
      post({ Cookie: session.cookie, "X-CSRF-Token": session.csrfToken }),
    );
    expect(await inHeader.text()).toBe("changed");
    const inForm = await app.request(
      `${ORIGIN}/items`,
      post({ Cookie: session.cookie }, new URLSearchParams({ _csrf: session.csrfToken })),
    );
    expect(await inForm.text()).toBe("changed");
    expect(await (await app.request(`${ORIGIN}/items`)).text()).toBe("read");
  });

  test("a missing or wrong token is 403 (JSON under /api), audited, and the route never runs", async () => {
    const { app, session, denials } = await setup();
    const missing = await app.request(`${ORIGIN}/items`, post({ Cookie: session.cookie }));
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("did not come from this app&#39;s own page");
    const wrong = await app.request(
      `${ORIGIN}/api/items`,
      post({ Cookie: session.cookie, "X-CSRF-Token": "guess" }),
    );
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("access.csrf");
    expect(denials().map((e) => [e.username, e.target])).toEqual([
      [session.user.username, "POST /api/items: missing or wrong CSRF token"],
      [session.user.username, "POST /items: missing or wrong CSRF token"],
    ]);
  });

  test("another site is refused even with a valid token: by Origin, or by Sec-Fetch-Site", async () => {
    const { app, session } = await setup();
    const valid = { Cookie: session.cookie, "X-CSRF-Token": session.csrfToken };
    expect(
      (await app.request(`${ORIGIN}/items`, post({ ...valid, Origin: "http://evil.example" }))).status,
    ).toBe(403);
    expect(
      (await app.request(`${ORIGIN}/items`, post({ ...valid, "Sec-Fetch-Site": "cross-site" }))).status,
    ).toBe(403);
    expect(
      (await app.request(`${ORIGIN}/items`, post({ ...valid, "Sec-Fetch-Site": "same-origin" }))).status,
    ).toBe(200);
  });

  test("signing in needs no token but still the same origin; the streamed upload checks its own token", async () => {
    const { app, denials } = await setup();
    expect(await (await app.request(`${ORIGIN}/login`, post({}))).text()).toBe("changed");
    expect((await app.request(`${ORIGIN}/login`, post({ Origin: "http://evil.example" }))).status).toBe(403);
    expect(await (await app.request(`${ORIGIN}/backup/upload`, post({}))).text()).toBe("changed");
    // Refusals without a session are counted per address, and written (the first few at least).
    expect(denials().map((e) => e.target)).toEqual([
      "POST /login: cross-origin request from http://evil.example",
    ]);
  });
});
