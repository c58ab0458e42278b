import type { Context } from "hono";
import type { AuditOutcome } from "../auth/audit.ts";
import type { Auth } from "../auth/auth.ts";
import { AppError } from "../lib/errors.ts";
import type { AppEnv } from "./context.ts";

/** Writes what this request's person did to the audit trail, with the client's address. */
export function recordAudit(
  c: Context<AppEnv>,
  auth: Auth,
  event: { action: string; target: string | null; outcome: AuditOutcome },
): void {
  const session = c.get("session");
  try {
    auth.audit.record({
      ...event,
      userId: session?.user.id ?? null,
      username: session?.user.username ?? null,
      clientAddress: c.get("clientAddress"),
    });
  } catch {
    // The database was replaced or closed meanwhile (a restore): the backup log still has the event.
  }
}

/**
 * Runs an action and writes its outcome to the audit trail: "success" (with the name of what it
 * made, restored or changed where there is one, else `target`), "denied" for a role that may
 * not, "failure" otherwise.
 * Errors go on to the error handler.
 */
export async function audited<T>(
  c: Context<AppEnv>,
  auth: Auth,
  action: string,
  target: string | null,
  run: () => Promise<T> | T,
): Promise<T> {
  try {
    const result = await run();
    recordAudit(c, auth, { action, target: nameOf(result) ?? target, outcome: "success" });
    return result;
  } catch (error) {
    const denied = error instanceof AppError && error.code === "user.not_allowed";
    recordAudit(c, auth, { action, target, outcome: denied ? "denied" : "failure" });
    throw error;
  }
}

function nameOf(result: unknown): string | null {
  if (result && typeof result === "object") {
    const r = result as { name?: unknown; restoredFrom?: unknown; username?: unknown };
    if (typeof r.restoredFrom === "string") return r.restoredFrom;
    if (typeof r.name === "string") return r.name;
    if (typeof r.username === "string") return r.username;
  }
  return null;
}
