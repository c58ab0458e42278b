import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { matchedRoutes } from "hono/route";
import type { AuditTrail } from "../../auth/audit.ts";
import { ABSOLUTE_TIMEOUT_MS, type SessionStore } from "../../auth/sessions.ts";
import { hasControlCharacters } from "../../lib/text.ts";
import { type Access, allows, ROUTE_ACCESS } from "../access.ts";
import type { AppEnv } from "../context.ts";
import { redirectTo } from "../html.ts";
import { forbidden, unauthorized } from "../http-errors.ts";

export const SESSION_COOKIE = "business_app_session";

/** The session's cookie: HttpOnly, SameSite=Strict, Secure under https, gone after the session's longest life. */
export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** `METHOD path` of the route that will answer, as registered; null when none matches (404). */
export function routeKey(c: Context): string | null {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
  const route = handlers.at(-1);
  return route ? `${route.method} ${route.path}` : null;
}

/** A local path to come back to after signing in; anything else (another site) becomes "/". */
export function safeNext(next: string | undefined | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return hasControlCharacters(next) ? "/" : next;
}

/**
 * Loads the session and applies the route table: a route missing from it is refused (deny by
 * default); anonymous visitors of a page are sent to `/login?next=…`, of the API get 401; a
 * role too low gets 403.
 */
export function accessControl(deps: {
  sessions: SessionStore;
  audit: AuditTrail;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = routeKey(c);
    if (key === null) {
      c.set("session", null);
      return next();
    }
    const access: Access | undefined = ROUTE_ACCESS[key];
    if (access === undefined) throw forbidden("This address is not open to anyone.");
    const token = getCookie(c, SESSION_COOKIE);
    if (access === "anyone") {
      // Pages open to all still like to know who is there; a closed database just means "nobody".
      try {
        c.set("session", deps.sessions.find(token));
      } catch {
        c.set("session", null);
      }
      return next();
    }
    const session = deps.sessions.find(token);
    c.set("session", session);
    if (!session) {
      if (c.req.path.startsWith("/api/") || c.req.method !== "GET") throw unauthorized();
      const target = c.req.path + (new URL(c.req.url).search ?? "");
      return redirectTo(c, `/login?next=${encodeURIComponent(safeNext(target))}`);
    }
    if (!allows(access, session.user.role)) {
      deps.audit.record({
        action: "access",
        outcome: "denied",
        target: key,
        userId: session.user.id,
        username: session.user.username,
        clientAddress: c.get("clientAddress"),
      });
      throw forbidden("Your role does not allow this. Ask a super administrator.");
    }
    return next();
  };
}
