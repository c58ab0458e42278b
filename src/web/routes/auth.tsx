/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { Auth } from "../../auth/auth.ts";
import { dummyPasswordHash, verifyPassword } from "../../auth/passwords.ts";
import { ABSOLUTE_TIMEOUT_MS } from "../../auth/sessions.ts";
import { publicUser, type User } from "../../auth/users.ts";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import { LoginPage, SetupExpiredPage, SetupPage } from "../../views/auth-pages.tsx";
import type { AppEnv } from "../context.ts";
import { notFound, respondProblem } from "../errors.tsx";
import { readForm } from "../form.ts";
import { respondPage } from "../html.ts";
import { SESSION_COOKIE, safeNext } from "../middleware/access.ts";
import { restoredNotice } from "./backups.tsx";

const WRONG = "Wrong user name or password.";

type SignIn =
  | { ok: true; user: User; token: string; csrfToken: string }
  | { ok: false; status: 401 | 429; message: string; retryAfter?: number };

function startSession(c: Context<AppEnv>, auth: Auth, user: User) {
  const { token, csrfToken } = auth.sessions.create(user, c.get("clientAddress"));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
  });
  auth.users.recordLogin(user.id);
  return { token, csrfToken };
}

/**
 * Checks a name and password with throttling per account and per address. One message for a
 * wrong name and a wrong password, and the same hashing work for both, so neither the answer
 * nor its time tells which names exist.
 */
async function signIn(c: Context<AppEnv>, auth: Auth, username: string, password: string): Promise<SignIn> {
  const address = c.get("clientAddress");
  const wait = auth.throttle.retryAfter(username, address);
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      retryAfter: wait,
      message: `Too many failed attempts. Try again in ${wait} s.`,
    };
  }
  // Counted as a failure before the password is checked, so guesses sent in parallel are
  // throttled too; a success clears it below.
  auth.throttle.failed(username, address);
  const found = username.trim() ? auth.users.findByName(username) : undefined;
  const valid = await verifyPassword(password, found?.passwordHash ?? (await dummyPasswordHash()));
  // Read again after the wait: a restore may have replaced the database meanwhile.
  const user = found ? auth.users.findByName(username) : undefined;
  const same = user !== undefined && user.id === found?.id && user.passwordHash === found.passwordHash;
  if (!user || !valid || !same || user.disabled) {
    auth.audit.recordAnonymous({
      action: "sign-in",
      outcome: "failure",
      username: username.slice(0, 64),
      userId: user?.id ?? null,
      clientAddress: address,
    });
    return { ok: false, status: 401, message: WRONG };
  }
  auth.throttle.succeeded(username, address);
  auth.audit.record({
    action: "sign-in",
    outcome: "success",
    userId: user.id,
    username: user.username,
    clientAddress: address,
  });
  return { ok: true, user, ...startSession(c, auth, user) };
}

function endSession(c: Context<AppEnv>, auth: Auth): void {
  const session = c.get("session");
  if (!session) return;
  auth.sessions.end(session.tokenHash);
  auth.audit.record({
    action: "sign-out",
    outcome: "success",
    userId: session.user.id,
    username: session.user.username,
    clientAddress: c.get("clientAddress"),
  });
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

export function authRoutes(deps: { auth: Auth; log: Log }) {
  const { auth } = deps;
  const app = new Hono<AppEnv>();

  app.get("/login", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("session")) return c.redirect(next, 303);
    const notice =
      restoredNotice(c.req.query("restored"), c.req.query("safety")) ??
      (c.req.query("signed-out") !== undefined ? "You are signed out." : null);
    return respondPage(c, <LoginPage next={next} notice={notice} />);
  });

  app.post("/login", async (c) => {
    const form = await readForm(c);
    const username = typeof form.username === "string" ? form.username : "";
    const password = typeof form.password === "string" ? form.password : "";
    const next = safeNext(typeof form.next === "string" ? form.next : "/");
    const result = await signIn(c, auth, username, password);
    if (result.ok) return c.redirect(next, 303);
    if (result.retryAfter) c.header("Retry-After", String(result.retryAfter));
    return respondPage(
      c,
      <LoginPage next={next} username={username} error={result.message} />,
      result.status,
    );
  });

  app.post("/logout", (c) => {
    endSession(c, auth);
    return c.redirect("/login?signed-out", 303);
  });

  app.post("/api/session", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return respondProblem(c, {
        status: 400,
        code: "bad_json",
        message: 'Send JSON: {"username": …, "password": …}.',
      });
    }
    const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== "string" || typeof password !== "string") {
      return respondProblem(c, {
        status: 400,
        code: "bad_input",
        message: "username and password must be texts.",
      });
    }
    const result = await signIn(c, auth, username, password);
    if (!result.ok) {
      if (result.retryAfter) c.header("Retry-After", String(result.retryAfter));
      return respondProblem(c, {
        status: result.status,
        code: result.status === 429 ? "too_many_attempts" : "wrong_credentials",
        message: result.message,
      });
    }
    return c.json({ user: publicUser(result.user), csrfToken: result.csrfToken });
  });

  app.delete("/api/session", (c) => {
    endSession(c, auth);
    return c.body(null, 204);
  });

  app.get("/setup", (c) => {
    if (auth.users.count() > 0) return notFound(c);
    const token = c.req.query("token") ?? "";
    const state = auth.setup.check(token);
    if (state === "expired") return respondPage(c, <SetupExpiredPage />, 410);
    if (state === "invalid") return notFound(c);
    return respondPage(c, <SetupPage token={token} />);
  });

  app.post("/setup", async (c) => {
    if (auth.users.count() > 0) return notFound(c);
    const form = await readForm(c);
    const token = typeof form.token === "string" ? form.token : "";
    const state = auth.setup.check(token);
    if (state === "expired") return respondPage(c, <SetupExpiredPage />, 410);
    if (state === "invalid") return notFound(c);
    const username = typeof form.username === "string" ? form.username : "";
    const password = typeof form.password === "string" ? form.password : "";
    if (password !== form.password2) {
      return respondPage(
        c,
        <SetupPage token={token} username={username} error="The two passwords differ." />,
        400,
      );
    }
    let user: User | null;
    try {
      user = await auth.users.createFirst({ username, password });
    } catch (error) {
      return respondPage(
        c,
        <SetupPage token={token} username={username} error={describeError(error)} />,
        400,
      );
    }
    if (!user) return notFound(c);
    auth.setup.use();
    auth.audit.record({
      action: "setup: first super administrator",
      outcome: "success",
      userId: user.id,
      username: user.username,
      target: user.username,
      clientAddress: c.get("clientAddress"),
    });
    deps.log.info(`First super administrator created: ${user.username}`);
    startSession(c, auth, user);
    return c.redirect("/", 303);
  });

  return app;
}
