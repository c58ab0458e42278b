import { createAuth } from "../../src/auth/auth.ts";
import { BackupEngine } from "../../src/backup/engine.ts";
import { RecoveryState } from "../../src/backup/recovery.ts";
import { createRecoveryPort, createSettingsPort } from "../../src/cli/web-ports.ts";
import { loadConfig } from "../../src/config/load.ts";
import { dataPaths } from "../../src/config/paths.ts";
import { SettingsStore } from "../../src/config/settings-store.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import type { Role } from "../../src/db/schema.ts";
import { createLog } from "../../src/lib/log.ts";
import type { Clock } from "../../src/lib/time.ts";
import type { Timers } from "../../src/lib/timers.ts";
import { BackupScheduler } from "../../src/scheduler/scheduler.ts";
import { SESSION_COOKIE } from "../../src/web/middleware/access.ts";
import { createWebApp } from "../../src/web/server.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";

export const ORIGIN = "http://localhost:5000";
export const PASSWORD = "correct horse battery";

/** The whole web app on a temporary data folder, driven through `app.request()`. */
export function makeWebApp(
  options: {
    clock?: Clock & { advance?(ms: number): void };
    allowedHosts?: string[];
    freeSpace?: (dir: string) => number;
    manualBackupsPerHour?: number;
    /** The automatic backup and the scheduler's timers, for a test that drives the scheduler. */
    scheduler?: { run: () => Promise<string>; timers: Timers };
    /** Environment variables of the settings, e.g. to fix one so the page cannot change it. */
    env?: Record<string, string>;
  } = {},
) {
  const clock = options.clock ?? manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const paths = dataPaths(tempDir("business-app-web-"));
  const loadInput = {
    flags: { data_dir: paths.dataDir },
    env: options.env ?? {},
    appDir: paths.dataDir,
    cwd: paths.dataDir,
  };
  const db = new DatabaseHandle(paths.database);
  db.open();
  const log = createLog({ path: paths.log, echo: null, clock });
  const engine = new BackupEngine({
    database: paths.database,
    backupsDir: paths.backupsDir,
    operationLock: paths.operationLock,
    log,
    retention: { automatic: 10, manual: null, pre_restore: 5 },
    db,
    clock,
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
    ...(options.manualBackupsPerHour ? { manualBackupsPerHour: options.manualBackupsPerHour } : {}),
  });
  const auth = createAuth({ db, clock });
  engine.onRestored(() => auth.sessions.endAll());
  const scheduler = new BackupScheduler({
    cadence: { hours: 6 },
    log,
    clock,
    run: options.scheduler?.run ?? (async () => ""),
    ...(options.scheduler ? { timers: options.scheduler.timers } : {}),
  });
  const recovery = new RecoveryState();
  const store = new SettingsStore(loadInput, loadConfig(loadInput));
  const app = createWebApp({
    db,
    paths,
    log,
    version: "9.9.9",
    engine,
    scheduler,
    recovery: createRecoveryPort({ state: recovery, engine, scheduler, log }),
    auth,
    settings: createSettingsPort({ store, engine, scheduler, auth, log }),
    listenHost: "127.0.0.1",
    allowedHosts: options.allowedHosts ?? [],
  });

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

  return { app, auth, clock, db, engine, paths, recovery, scheduler, request, addUser, sessionFor, as };
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
