import { describe, expect, test } from "bun:test";
import { ARGON2_PARAMS } from "../../src/auth/passwords.ts";
import { ABSOLUTE_TIMEOUT_MS, IDLE_TIMEOUT_MS } from "../../src/auth/sessions.ts";
import { SESSION_COOKIE } from "../../src/web/middleware/access.ts";
import { manualClock } from "../backup/fixtures.ts";
import { form, makeWebApp, PASSWORD, sessionCookieOf } from "../web/app-fixture.ts";

const HOUR = 3600_000;

async function signIn(web: ReturnType<typeof makeWebApp>, username: string, password = PASSWORD, next = "/") {
  return web.request("/login", { method: "POST", ...form({ username, password, next }) });
}

describe("passwords", () => {
  test("argon2id with at least 19 MiB and 2 iterations, stored as a PHC string", async () => {
    expect(ARGON2_PARAMS.memoryCost).toBeGreaterThanOrEqual(19 * 1024);
    expect(ARGON2_PARAMS.timeCost).toBeGreaterThanOrEqual(2);
    const web = makeWebApp();
    const user = await web.addUser("anna", "user");
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=\d+\$/);
  });

  test("usernames are unique whatever their case, and short passwords are refused", async () => {
    const web = makeWebApp();
    await web.addUser("Anna", "user");
    expect(web.addUser("anna", "admin")).rejects.toThrow("already taken");
    expect(web.auth.users.create({ username: "ben", password: "short", role: "user" })).rejects.toThrow(
      "at least 8 characters",
    );
  });
});

describe("sign-in and sessions", () => {
  test("a new session at sign-in, HttpOnly and SameSite=Strict; the old cookie is not promoted", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "user");
    const planted = "attacker-chosen-session-value";
    const res = await web.request("/login", {
      method: "POST",
      cookie: planted,
      ...form({ username: "anna", password: PASSWORD, next: "/users" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/users");
    const cookie = res.headers.getSetCookie().find((h) => h.startsWith(`${SESSION_COOKIE}=`)) ?? "";
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");
    const token = sessionCookieOf(res);
    expect(token).not.toBe(planted);
    expect((await web.request("/", { cookie: token })).status).toBe(200);
    expect((await web.request("/", { cookie: planted })).status).toBe(303);
    // Only a hash of the token is stored.
    const stored = web.db.sqlite.query("SELECT token_hash FROM sessions").all() as { token_hash: string }[];
    expect(stored.map((r) => r.token_hash)).not.toContain(token);
  });

  test("one message for a wrong name and a wrong password", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "user");
    const wrongName = await (await signIn(web, "nobody")).text();
    const wrongPassword = await (await signIn(web, "anna", "not the password")).text();
    expect(wrongName).toContain("Wrong user name or password.");
    expect(wrongPassword).toContain("Wrong user name or password.");
    expect(
      web.auth.audit.newest().filter((e) => e.action === "sign-in" && e.outcome === "failure"),
    ).toHaveLength(2);
  });

  test("sessions end after 12 hours idle, or 7 days after sign-in, and at sign-out", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const web = makeWebApp({ clock });
    const user = await web.addUser("anna", "user");

    const idle = web.sessionFor(user);
    clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect((await web.request("/", { cookie: idle.token })).status).toBe(200);
    clock.advance(IDLE_TIMEOUT_MS + 1000);
    expect((await web.request("/", { cookie: idle.token })).status).toBe(303);

    const busy = web.sessionFor(user);
    // Used every 6 hours, it lives 7 days (162 hours here) …
    for (let elapsed = 6 * HOUR; elapsed < ABSOLUTE_TIMEOUT_MS; elapsed += 6 * HOUR) {
      clock.advance(6 * HOUR);
      expect((await web.request("/", { cookie: busy.token })).status).toBe(200);
    }
    // … and not an hour past them.
    clock.advance(7 * HOUR);
    expect((await web.request("/", { cookie: busy.token })).status).toBe(303);

    const out = web.sessionFor(user);
    const res = await web.request("/logout", { method: "POST", cookie: out.token, csrf: out.csrfToken });
    expect(res.status).toBe(303);
    expect((await web.request("/", { cookie: out.token })).status).toBe(303);
  });

  test("a disabled user's sessions end at once and they cannot sign in", async () => {
    const web = makeWebApp();
    const user = await web.addUser("anna", "user");
    const session = web.sessionFor(user);
    web.auth.users.setDisabled(user.id, true);
    expect((await web.request("/", { cookie: session.token })).status).toBe(303);
    expect((await signIn(web, "anna")).status).toBe(401);
  });

  test("throttling per account: 429 with Retry-After after repeated failures; a success resets it", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const web = makeWebApp({ clock });
    await web.addUser("anna", "user");
    for (let i = 0; i < 5; i++) expect((await signIn(web, "anna", "wrong password")).status).toBe(401);
    const limited = await signIn(web, "anna");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    clock.advance(2000);
    expect((await signIn(web, "anna")).status).toBe(303);
    expect((await signIn(web, "anna", "wrong password")).status).toBe(401);
    expect((await signIn(web, "anna")).status).toBe(303);
  });

  test("throttling per client address across accounts, on the JSON API too", async () => {
    const web = makeWebApp();
    for (let i = 0; i < 20; i++) {
      await web.request("/api/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: `guess${i}`, password: "wrong password" }),
      });
    }
    const res = await web.request("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "someone-else", password: "wrong password" }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("auth.too_many_attempts");
  });

  test("a success clears only its account: guessing from that address stays throttled", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "user");
    for (let i = 0; i < 19; i++) expect((await signIn(web, `guess${i}`, "wrong password")).status).toBe(401);
    // The attacker knows one account of their own and signs in with it …
    expect((await signIn(web, "anna")).status).toBe(303);
    // … but the address's count goes on: the 20th failure locks it, for every name.
    expect((await signIn(web, "guess19", "wrong password")).status).toBe(401);
    const limited = await signIn(web, "someone-else", "wrong password");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("successful sign-ins alone never throttle an address (a shared shop PC)", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "user");
    await web.addUser("ben", "user");
    for (let i = 0; i < 25; i++) expect((await signIn(web, i % 2 ? "anna" : "ben")).status).toBe(303);
    expect((await signIn(web, "anna", "wrong password")).status).toBe(401);
    expect((await signIn(web, "anna")).status).toBe(303);
  });

  test("the JSON API signs in and out with the cookie and the CSRF header", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "admin");
    const res = await web.request("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "ANNA", password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: Record<string, unknown>; csrfToken: string };
    expect(body.user.username).toBe("anna");
    expect(body.user.role).toBe("admin");
    expect(body.user).not.toHaveProperty("passwordHash");
    const token = sessionCookieOf(res);
    expect((await web.request("/api/session", { method: "DELETE", cookie: token })).status).toBe(403);
    expect(
      (await web.request("/api/session", { method: "DELETE", cookie: token, csrf: body.csrfToken })).status,
    ).toBe(204);
    expect(
      (await web.request("/api/session", { method: "DELETE", cookie: token, csrf: body.csrfToken })).status,
    ).toBe(401);
  });

  test("?next= only leads to a page of this site", async () => {
    const web = makeWebApp();
    await web.addUser("anna", "user");
    for (const next of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "javascript:alert(1)",
    ]) {
      const res = await signIn(web, "anna", PASSWORD, next);
      expect(res.headers.get("location")).toBe("/");
    }
    const page = await web.request(`/login?next=${encodeURIComponent("//evil.example")}`);
    expect(await page.text()).toContain('name="next" value="/"');
    const redirect = await web.request("/users?x=1");
    expect(redirect.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/users?x=1")}`);
  });

  test("a restored old database does not revive its sessions", async () => {
    const web = makeWebApp();
    const user = await web.addUser("anna", "super_admin");
    const before = web.sessionFor(user);
    const backup = await web.engine.createBackup({ kind: "manual" });
    web.auth.sessions.endAll();
    const after = web.sessionFor(user);
    await web.engine.restore(backup.name);
    expect((await web.request("/", { cookie: before.token })).status).toBe(303);
    expect((await web.request("/", { cookie: after.token })).status).toBe(303);
  });
});

describe("first run", () => {
  test("the setup link creates the first super admin once; afterwards /setup is gone", async () => {
    const web = makeWebApp();
    const token = web.auth.setup.issue();
    expect((await web.request("/setup?token=wrong")).status).toBe(404);
    const page = await web.request(`/setup?token=${token}`);
    expect(page.status).toBe(200);
    const mismatch = await web.request("/setup", {
      method: "POST",
      ...form({ token, username: "boss", password: "long enough pw", password2: "different pw!" }),
    });
    expect(mismatch.status).toBe(400);
    const res = await web.request("/setup", {
      method: "POST",
      ...form({ token, username: "boss", password: "long enough pw", password2: "long enough pw" }),
    });
    expect(res.status).toBe(303);
    expect(sessionCookieOf(res)).not.toBeNull();
    expect(web.auth.users.findByName("boss")?.role).toBe("super_admin");
    expect((await web.request(`/setup?token=${token}`)).status).toBe(404);
    const again = await web.request("/setup", {
      method: "POST",
      ...form({ token, username: "second", password: "long enough pw", password2: "long enough pw" }),
    });
    expect(again.status).toBe(404);
    expect(web.auth.users.count()).toBe(1);
  });

  test("the link expires after 30 minutes", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const web = makeWebApp({ clock });
    const token = web.auth.setup.issue();
    clock.advance(30 * 60_000 + 1);
    expect((await web.request(`/setup?token=${token}`)).status).toBe(410);
  });

  test("two setups at once create exactly one super admin", async () => {
    const web = makeWebApp();
    const token = web.auth.setup.issue();
    const submit = (username: string) =>
      web.request("/setup", {
        method: "POST",
        ...form({ token, username, password: "long enough pw", password2: "long enough pw" }),
      });
    const results = await Promise.all([submit("first"), submit("second"), submit("third")]);
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(web.auth.users.count()).toBe(1);
  });
});

describe("users", () => {
  test("nobody can demote or disable the last active super admin", async () => {
    const web = makeWebApp();
    const boss = await web.addUser("boss", "super_admin");
    const session = web.sessionFor(boss);
    const demote = await web.request(`/users/${boss.id}/role`, {
      method: "POST",
      cookie: session.token,
      ...form({ role: "admin", _csrf: session.csrfToken }),
    });
    expect(demote.status).toBe(409);
    expect(await demote.text()).toContain("last active super administrator");
    expect(() => web.auth.users.setDisabled(boss.id, true)).toThrow("last active super administrator");
    const other = await web.addUser("deputy", "super_admin");
    expect(web.auth.users.setRole(boss.id, "admin").role).toBe("admin");
    expect(() => web.auth.users.setDisabled(other.id, true)).toThrow("last active super administrator");
  });

  test("an admin manages users and admins but not super admins", async () => {
    const web = makeWebApp();
    const admin = await web.addUser("adam", "admin");
    const boss = await web.addUser("boss", "super_admin");
    const clerk = await web.addUser("clerk", "user");
    const s = web.sessionFor(admin);
    const post = (path: string, fields: Record<string, string>) =>
      web.request(path, { method: "POST", cookie: s.token, ...form({ ...fields, _csrf: s.csrfToken }) });
    expect((await post(`/users/${clerk.id}/role`, { role: "admin" })).status).toBe(303);
    expect((await post(`/users/${clerk.id}/role`, { role: "super_admin" })).status).toBe(403);
    expect((await post(`/users/${boss.id}/disabled`, { disabled: "true" })).status).toBe(403);
    expect(
      (await post("/users", { username: "newboss", role: "super_admin", password: "long enough pw" })).status,
    ).toBe(403);
    expect(
      (await post("/users", { username: "newclerk", role: "user", password: "long enough pw" })).status,
    ).toBe(303);
    const page = await (await web.request("/users", { cookie: s.token })).text();
    expect(page).toContain("Only a super administrator can change this user.");
    const trail = web.auth.audit.newest();
    expect(
      trail.some((e) => e.action === "user: add" && e.target === "newclerk" && e.outcome === "success"),
    ).toBe(true);
    expect(trail.some((e) => e.outcome === "denied" && e.username === "adam")).toBe(true);
  });

  test("a new password ends the user's sessions", async () => {
    const web = makeWebApp();
    const boss = await web.addUser("boss", "super_admin");
    const clerk = await web.addUser("clerk", "user");
    const clerkSession = web.sessionFor(clerk);
    const s = web.sessionFor(boss);
    const res = await web.request(`/users/${clerk.id}/password`, {
      method: "POST",
      cookie: s.token,
      ...form({ password: "a brand new password", _csrf: s.csrfToken }),
    });
    expect(res.status).toBe(303);
    expect((await web.request("/", { cookie: clerkSession.token })).status).toBe(303);
    expect((await signIn(web, "clerk", "a brand new password")).status).toBe(303);
  });
});
