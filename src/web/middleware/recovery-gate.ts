import type { MiddlewareHandler } from "hono";
import { RECOVERY_HELP } from "../../views/backup/recovery-page.tsx";
import type { RecoveryPort } from "../deps.ts";
import { wantsJson } from "../errors.tsx";
import { isHtmx, redirectTo } from "../html.ts";
import { recoveryMode } from "../http-errors.ts";

const OPEN = ["/recovery", "/static/", "/api/health"];

/**
 * In recovery mode every page leads to the recovery page (a redirect; htmx follows `HX-Redirect`),
 * which says why nothing else works and how to restore; the API answers 503 with `Retry-After`
 * and a sentence that says what to do.
 */
export function recoveryGate(recovery: Pick<RecoveryPort, "active">): MiddlewareHandler {
  return async (c, next) => {
    if (!recovery.active || OPEN.some((p) => c.req.path === p || c.req.path.startsWith(p))) return next();
    if (wantsJson(c)) throw recoveryMode();
    if (!isHtmx(c)) return redirectTo(c, RECOVERY_HELP);
    c.header("HX-Redirect", RECOVERY_HELP);
    return c.body(null);
  };
}
