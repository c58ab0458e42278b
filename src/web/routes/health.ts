import { Hono } from "hono";
import type { DatabaseHandle } from "../../db/handle.ts";

/** True when the main database is open and answers a query. */
export function databaseAnswers(db: DatabaseHandle): boolean {
  try {
    return db.isOpen && db.sqlite.query("SELECT 1 AS ok").get() !== null;
  } catch {
    return false;
  }
}

/** `GET /api/health`, for anyone: only "ok" or "degraded", nothing that helps an attacker. */
export function healthRoutes(deps: { db: DatabaseHandle }) {
  return new Hono().get("/api/health", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: databaseAnswers(deps.db) ? "ok" : "degraded" });
  });
}
