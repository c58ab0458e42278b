import type { MiddlewareHandler } from "hono";
import type { RecoveryPort } from "../deps.ts";
import { recoveryMode } from "../http-errors.ts";

const OPEN = ["/recovery", "/static/", "/api/health"];

/** In recovery mode every page but the recovery page says why it cannot work (503, Retry-After). */
export function recoveryGate(recovery: Pick<RecoveryPort, "active">): MiddlewareHandler {
  return async (c, next) => {
    if (!recovery.active || OPEN.some((p) => c.req.path === p || c.req.path.startsWith(p))) return next();
    throw recoveryMode();
  };
}
