import { describe, expect, test } from "bun:test";
import { accessControl } from "../../../src/web/middleware/access.ts";
import { bareApp, bareAuth, ORIGIN } from "./bare-app.ts";

/** Routes of the app's access table, one of each kind, and one that is not in it. */
async function setup() {
  const bare = bareApp();
  const { auth, db, sessionAs } = await bareAuth();
  bare.app.use(accessControl({ sessions: auth.sessions, audit: auth.audit }));
  bare.app.get("/api/health", (c) => c.text(`anyone: ${c.get("session")?.user.username ?? "nobody"}`));
  bare.app.get("/backup/status", (c) => c.text("signed in"));
  bare.app.get("/api/status", (c) => c.json({ ok: true }));
  bare.app.get("/users", (c) => c.text("admins"));
  bare.app.get("/not-in-the-table", (c) => c.text("never"));
  return { ...bare, auth, db, sessionAs };
}

describe("access control", () => {
  test("anonymous: a page sends to sign in and back, the API answers 401, open routes answer", async () => {
    const { app } = await setup();
    const page = await app.request(`${ORIGIN}/backup/status?x=1`);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/backup/status?x=1")}`);
    const api = await app.request(`${ORIGIN}/api/status`);
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: { code: "access.unauthorized", message: "Sign in first." } });
    expect(await (await app.request(`${ORIGIN}/api/health`)).text()).toBe("anyone: nobody");
  });

  test("a role too low is 403 and audited; a high enough one passes; open routes know who is there", async () => {
    const { app, auth, sessionAs } = await setup();
    const user = await sessionAs("user");
    const admin = await sessionAs("admin");
    const refused = await app.request(`${ORIGIN}/users`, { headers: { Cookie: user.cookie } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Your role does not allow this");
    const denied = auth.audit.newest().filter((e) => e.action === "access" && e.outcome === "denied");
    expect(denied.map((e) => [e.username, e.target])).toEqual([[user.user.username, "GET /users"]]);
    expect(await (await app.request(`${ORIGIN}/users`, { headers: { Cookie: admin.cookie } })).text()).toBe(
      "admins",
    );
    const open = await app.request(`${ORIGIN}/api/health`, { headers: { Cookie: user.cookie } });
    expect(await open.text()).toBe(`anyone: ${user.user.username}`);
  });

  test("deny by default: a route missing from the table is 403 for everyone; no route at all is 404", async () => {
    const { app, sessionAs } = await setup();
    const boss = await sessionAs("super_admin");
    const missing = await app.request(`${ORIGIN}/not-in-the-table`, { headers: { Cookie: boss.cookie } });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("This address is not open to anyone.");
    expect((await app.request(`${ORIGIN}/nothing-here`)).status).toBe(404);
  });

  test("a closed database (a restore) is no one signed in on open routes, and 503 elsewhere", async () => {
    const { app, db, sessionAs } = await setup();
    const user = await sessionAs("user");
    db.close();
    expect(
      await (await app.request(`${ORIGIN}/api/health`, { headers: { Cookie: user.cookie } })).text(),
    ).toBe("anyone: nobody");
    const api = await app.request(`${ORIGIN}/api/status`, { headers: { Cookie: user.cookie } });
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("app.restore_in_progress");
  });
});
