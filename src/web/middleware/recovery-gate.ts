import type { MiddlewareHandler } from "hono";
import type { RecoveryState } from "../../backup/recovery.ts";
import { respondProblem } from "../errors.tsx";

const OPEN = ["/recovery", "/static/", "/api/health"];

/** In recovery mode every page but the recovery page says why it cannot work (503). */
export function recoveryGate(recovery: RecoveryState): MiddlewareHandler {
  return async (c, next) => {
    if (!recovery.active || OPEN.some((p) => c.req.path === p || c.req.path.startsWith(p))) return next();
    c.header("Retry-After", "60");
    return respondProblem(c, {
      status: 503,
      code: "recovery_mode",
      message:
        "The database cannot be used, so BusinessApp runs in recovery mode. Open the recovery link printed in the " +
        "console and in database_backups/backup.log, or run: business-app restore --latest",
    });
  };
}
