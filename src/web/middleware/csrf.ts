import type { MiddlewareHandler } from "hono";
import type { AuditTrail } from "../../auth/audit.ts";
import { sameSecret } from "../../lib/tokens.ts";
import { NO_CSRF_TOKEN, STREAMED_BODY_ROUTES } from "../access.ts";
import type { AppEnv } from "../context.ts";
import { csrfRefused } from "../http-errors.ts";
import { routeKey } from "./access.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

async function tokenOf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<string | undefined> {
  const header = c.req.header("x-csrf-token");
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    try {
      const body = await c.req.parseBody();
      return typeof body._csrf === "string" ? body._csrf : undefined;
    } catch {
      // An unreadable form carries no token.
      return undefined;
    }
  }
  return undefined;
}

/**
 * Every state-changing request must come from this app's own pages: a same-origin `Origin` /
 * `Sec-Fetch-Site`, and the session's CSRF token (header `X-CSRF-Token` or form field `_csrf`).
 * Missing or wrong → 403, written to the audit trail (limited per address for requests without a session).
 */
export function csrfProtection(deps: { audit: AuditTrail }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const key = routeKey(c);
    if (key === null) return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const own = `${new URL(c.req.url).protocol}//${c.req.header("host") ?? new URL(c.req.url).host}`;
    let reason: string | null = null;
    if (origin !== undefined && origin !== own) reason = `cross-origin request from ${origin}`;
    else if (site !== undefined && site !== "same-origin" && site !== "none")
      reason = `request from a ${site} page`;
    else if (!NO_CSRF_TOKEN.has(key) && !STREAMED_BODY_ROUTES.has(key)) {
      const session = c.get("session");
      if (!session || !sameSecret(await tokenOf(c), session.csrfToken))
        reason = "missing or wrong CSRF token";
    }
    if (reason === null) return next();
    const session = c.get("session");
    const event = {
      action: "csrf",
      outcome: "denied" as const,
      target: `${c.req.method} ${c.req.path}: ${reason}`,
      userId: session?.user.id ?? null,
      username: session?.user.username ?? null,
      clientAddress: c.get("clientAddress"),
    };
    try {
      // Anyone on the network can send these: without a session they are counted, not all written.
      if (session) deps.audit.record(event);
      else deps.audit.recordAnonymous(event);
    } catch {
      // The refusal stands even when the trail cannot be written (database closed).
    }
    throw csrfRefused();
  };
}
