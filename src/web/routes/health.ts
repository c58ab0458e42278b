import { Hono } from "hono";
import type { DatabaseHandle } from "../../db/handle.ts";
import type { AlertsPort, RecoveryPort } from "../deps.ts";

/** True when the main database is open and answers a query. */
function databaseAnswers(db: DatabaseHandle): boolean {
  try {
    return db.isOpen && db.sqlite.query("SELECT 1 AS ok").get() !== null;
  } catch {
    return false;
  }
}

/**
 * `GET /api/health`, for anyone, always 200: `{"status":"ok"}`, or `{"status":"degraded",
 * "reasons":[…]}` with short codes that tell an outsider nothing about the data (`recovery_mode`,
 * `database_unavailable`, and the ids of the active alerts). Cheap: the alerts are those of the
 * last look, at most a minute old.
 */
export function healthRoutes(deps: {
  db: DatabaseHandle;
  recovery: Pick<RecoveryPort, "active">;
  alerts: Pick<AlertsPort, "current">;
}) {
  return new Hono().get("/api/health", (c) => {
    c.header("Cache-Control", "no-store");
    const reasons: string[] = [];
    if (deps.recovery.active) reasons.push("recovery_mode");
    else if (!databaseAnswers(deps.db)) reasons.push("database_unavailable");
    reasons.push(...deps.alerts.current().map((a) => a.id));
    return c.json(reasons.length === 0 ? { status: "ok" } : { status: "degraded", reasons });
  });
}
