import { desc } from "drizzle-orm";
import type { DatabaseHandle } from "../db/handle.ts";
import { auditLog } from "../db/schema.ts";
import type { Clock } from "../lib/time.ts";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditEvent {
  action: string;
  outcome: AuditOutcome;
  userId?: number | null;
  username?: string | null;
  target?: string | null;
  clientAddress?: string | null;
}

export type AuditEntry = typeof auditLog.$inferSelect;

/** Who did what, when, from where, and how it ended; kept in the main database. */
export function createAuditTrail(deps: { db: DatabaseHandle; clock: Clock }) {
  return {
    /** Records an event; while the database is closed (a restore) the event is not lost silently: it throws. */
    record(event: AuditEvent): void {
      deps.db.orm
        .insert(auditLog)
        .values({
          at: deps.clock(),
          userId: event.userId ?? null,
          username: event.username ?? null,
          action: event.action,
          target: event.target ?? null,
          outcome: event.outcome,
          clientAddress: event.clientAddress ?? null,
        })
        .run();
    },

    newest(limit = 50): AuditEntry[] {
      return deps.db.orm
        .select()
        .from(auditLog)
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit)
        .all();
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
