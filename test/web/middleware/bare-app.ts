import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { createAuth } from "../../../src/auth/auth.ts";
import { DatabaseHandle } from "../../../src/db/handle.ts";
import type { Role } from "../../../src/db/schema.ts";
import { createLog } from "../../../src/lib/log.ts";
import { loadAssets } from "../../../src/web/assets.ts";
import type { AppEnv } from "../../../src/web/context.ts";
import { createErrorHandling } from "../../../src/web/errors.tsx";
import { SESSION_COOKIE } from "../../../src/web/middleware/access.ts";
import { tempDir } from "../../helpers.ts";

/**
 * A bare Hono app with only the app's error handling, as Hono's own middleware tests build one:
 * each test adds the middleware it tests and a route or two, then calls `app.request()`.
 */
export function bareApp(recovery: { readonly active: boolean } = { active: false }) {
  const dir = tempDir("business-app-middleware-");
  const logPath = join(dir, "backup.log");
  const log = createLog({ path: logPath, echo: null });
  const assets = loadAssets().urls;
  const errors = createErrorHandling({ log, assets, recovery });
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("assets", assets);
    c.set("clientAddress", "127.0.0.1");
    return next();
  });
  app.onError(errors.onError);
  app.notFound(errors.notFound);
  return {
    app,
    dir,
    /** What the app wrote to its log so far. */
    logText: () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : ""),
  };
}

/** Users, sessions and the audit trail on a real database in a temporary folder. */
export async function bareAuth() {
  const dir = tempDir("business-app-middleware-db-");
  const db = new DatabaseHandle(join(dir, "test.db"));
  db.open();
  const auth = createAuth({ db, clock: () => new Date(), auditPath: join(dir, "audit.db") });
  let made = 0;
  /** A session of a new user with this role, as a cookie header and its CSRF token. */
  async function sessionAs(role: Role) {
    const user = await auth.users.create({
      username: `${role}-${made++}`,
      password: "a long password",
      role,
    });
    const { token, csrfToken } = auth.sessions.create(user, "127.0.0.1");
    return { cookie: `${SESSION_COOKIE}=${token}`, csrfToken, user };
  }
  return { auth, db, sessionAs };
}

export const ORIGIN = "http://localhost:5000";
