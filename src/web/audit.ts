import type { Context } from "hono";
import type { AuditOutcome } from "../../auth/audit.ts";
import type { Auth } from "../../auth/auth.ts";
import type { AppEnv } from "../context.ts";

function record(
  c: Context<AppEnv>,
  auth: Auth,
  action: string,
  target: string | null,
  outcome: AuditOutcome,
): void {
  const session = c.get("session");
  try {
    auth.audit.record({
      action,
      target,
      outcome,
      userId: session?.user.id ?? null,
      username: session?.user.username ?? null,
      clientAddress: c.get("clientAddress"),
    });
  } catch {
    // The database was replaced or closed meanwhile (a restore): the backup log still has the event.
  }
}

/** Runs a backup action and writes its outcome to the audit trail; errors go on to the error handler. */
export async function auditAction<T>(
  c: Context<AppEnv>,
  auth: Auth,
  action: string,
  target: string | null,
  run: () => Promise<T>,
): Promise<T> {
  try {
    const result = await run();
    record(c, auth, action, target ?? resultName(result), "success");
    return result;
  } catch (error) {
    record(c, auth, action, target, "failure");
    throw error;
  }
}
auditAction.record = record;

function resultName(result: unknown): string | null {
  if (result && typeof result === "object") {
    const r = result as { name?: unknown; restoredFrom?: unknown };
    if (typeof r.restoredFrom === "string") return r.restoredFrom;
    if (typeof r.name === "string") return r.name;
  }
  return null;
}
