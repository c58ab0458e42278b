import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { BackgroundHold } from "../../src/backup/index.ts";
import type { Role } from "../../src/db/schema.ts";
import type { Clock } from "../../src/lib/time.ts";
import type { Timers } from "../../src/lib/timers.ts";
import { SESSION_COOKIE } from "../../src/web/middleware/access.ts";
import { createWebApp } from "../../src/web/server.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";

export const ORIGIN = "http://localhost:5000";
export const PASSWORD = "correct horse battery";

/** The whole web app on a temporary data folder, built as the real app is, driven through `app.request()`. */
export function makeWebApp(
  options: {
    clock?: Clock & { advance?(ms: number): void };
    allowedHosts?: string[];
    freeSpace?: (dir: string) => number;
    /** The scheduler's timers, for a test that drives automatic backups. */
    timers?: Timers;
    /** Environment variables of the settings, e.g. to fix one so the page cannot change it. */
    env?: Record<string, string>;
    /** The settings file's contents at start. */
    config?: Record<string, unknown>;
    /** Where a piece of background work waits before it records (a test holds a check there). */
    backgroundHold?: BackgroundHold;
  } = {},
) {
  const clock = options.clock ?? manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const dataDir = tempDir("business-app-web-");
  const env = { ...(options.env ?? {}) };
  if (options.config)
    writeFileSync(join(dataDir, "business-app.config.json"), `${JSON.stringify(options.config, null, 2)}\n`);
  if (options.allowedHosts) env.BUSINESS_APP_ALLOWED_HOSTS = options.allowedHosts.join(",");
  const built = createApp(
    { flags: { data_dir: dataDir }, env, appDir: dataDir, cwd: dataDir },
    {
      clock,
      echo: null,
      ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.backgroundHold ? { backgroundHold: options.backgroundHold } : {}),
    },
  );
  built.db.open();
  const { auth, db, engine, paths, recovery, scheduler } = built;
  const app = createWebApp({ ...built.web, version: "9.9.9" });

  /** A request as a browser on this app's own page would send it. */
  function request(path: string, init: RequestInit & { cookie?: string | null; csrf?: string | null } = {}) {
    const headers = new Headers(init.headers);
    headers.set("Host", "localhost:5000");
    if (init.cookie) headers.set("Cookie", `${SESSION_COOKIE}=${init.cookie}`);
    if (init.csrf) headers.set("X-CSRF-Token", init.csrf);
    const method = (init.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && !headers.has("Origin")) headers.set("Origin", ORIGIN);
    return app.request(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" });
  }

  async function addUser(username: string, role: Role) {
    return auth.users.create({ username, password: PASSWORD, role });
  }

  /** A fresh session for a user, as a sign-in would make it. */
  function sessionFor(user: { id: number }) {
    const full = auth.users.findById(user.id);
    if (!full) throw new Error("no such user");
    return auth.sessions.create(full, "127.0.0.1");
  }

  /** A signed-in session of a new user with this role: cookie and CSRF token. */
  async function as(role: Role) {
    const user = await addUser(`${role}-${Math.random().toString(36).slice(2, 8)}`, role);
    return sessionFor(user);
  }

  return {
    app,
    built,
    auth,
    clock,
    db,
    engine,
    paths,
    recovery,
    scheduler,
    request,
    addUser,
    sessionFor,
    as,
  };
}

/** The session cookie a response sets, if any. */
export function sessionCookieOf(res: Response): string | null {
  for (const header of res.headers.getSetCookie()) {
    const match = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(header);
    if (match) return match[1] ?? null;
  }
  return null;
}

export function form(fields: Record<string, string>): {
  body: URLSearchParams;
  headers: Record<string, string>;
} {
  return {
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  };
}
