import { Hono } from "hono";
import type { DatabaseHandle } from "../../db/handle.ts";
import type { RecoveryPort } from "../deps.ts";

/** True when the main database is open and answers a query. */
function databaseAnswers(db: DatabaseHandle): boolean {
  try {
    return db.isOpen && db.sqlite.query("SELECT 1 AS ok").get() !== null;
  } catch {
    return false;
  }
}

/** `GET /api/health`, for anyone: only "ok" or "degraded", nothing that helps an attacker. */
export function healthRoutes(deps: { db: DatabaseHandle; recovery: Pick<RecoveryPort, "active"> }) {
  return new Hono().get("/api/health", (c) => {
    c.header("Cache-Control", "no-store");
    const ok = !deps.recovery.active && databaseAnswers(deps.db);
    return c.json({ status: ok ? "ok" : "degraded" });
  });
}
