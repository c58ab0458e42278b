import { desc } from "drizzle-orm";
import { DatabaseClosedError, type DatabaseHandle } from "../db/handle.ts";
import { auditLog } from "../db/schema.ts";
import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import { createRefusalLimiter, type HeldRefusals } from "./refusal-limiter.ts";

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

/** The longest text kept in any field of an audit row; longer ones are cut and end with "…". */
export const AUDIT_FIELD_MAX = 200;

/** How long audit rows are kept, and how many at most. */
export interface AuditRetention {
  days: number;
  maxEntries: number;
}

function cut(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const chars = [...text];
  return chars.length <= AUDIT_FIELD_MAX ? text : `${chars.slice(0, AUDIT_FIELD_MAX - 1).join("")}…`;
}

/**
 * Who did what, when, from where, and how it ended; kept in the main database. Every text is
 * cut to `AUDIT_FIELD_MAX` characters, and refusals of requests without a session are limited
 * per client address, so anonymous requests cannot grow the database more than a little.
 */
export function createAuditTrail(deps: { db: DatabaseHandle; clock: Clock }) {
  const limiter = createRefusalLimiter();

  function insert(event: AuditEvent, at: Date): void {
    deps.db.orm
      .insert(auditLog)
      .values({
        at,
        userId: event.userId ?? null,
        username: cut(event.username),
        action: cut(event.action) ?? "",
        target: cut(event.target),
        outcome: event.outcome,
        clientAddress: cut(event.clientAddress),
      })
      .run();
  }

  function summarize(held: HeldRefusals[]): void {
    for (const { address, count, lastAt } of held) {
      insert(
        {
          action: "refused requests",
          outcome: "denied",
          target: `${count} more refused ${count === 1 ? "request" : "requests"} from ${address}`,
          clientAddress: address,
        },
        new Date(lastAt),
      );
    }
  }

  return {
    /** Records an event; while the database is closed (a restore) the event is not lost silently: it throws. */
    record(event: AuditEvent): void {
      insert(event, deps.clock());
    },

    /**
     * Records a refused or failed request made without a session (a cross-origin post, a wrong
     * password): the first few per client address and minute get a row each, the rest of that
     * minute one summary row "N more refused requests from ADDRESS". Throws like `record`.
     */
    recordAnonymous(event: AuditEvent): void {
      const now = deps.clock();
      const { write, closed } = limiter.admit(event.clientAddress ?? "unknown", now.getTime());
      summarize(closed);
      if (write) insert(event, now);
    },

    /** Writes the summary rows of refusals still counted: those whose minute is over, or all of them. */
    flushRefusals(options: { all?: boolean } = {}): void {
      summarize(limiter.closeWindows(deps.clock().getTime(), options.all ?? false));
    },

    /** Deletes rows older than `days` and the oldest beyond `maxEntries`; returns how many went. */
    prune(retention: AuditRetention): number {
      const cutoff = deps.clock().getTime() - retention.days * 86_400_000;
      const sqlite = deps.db.sqlite;
      const removeBoth = sqlite.transaction(
        () =>
          sqlite.run("DELETE FROM audit_log WHERE at < ?", [cutoff]).changes +
          sqlite.run(
            "DELETE FROM audit_log WHERE id <= (SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?)",
            [retention.maxEntries],
          ).changes,
      );
      return removeBoth();
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

/**
 * Applies the audit retention and says in the log, once, how many rows it removed. While the
 * database is closed (a restore, recovery mode) there is nothing to prune: it returns 0.
 */
export function pruneAuditTrail(audit: AuditTrail, retention: AuditRetention, log: Log): number {
  let removed: number;
  try {
    removed = audit.prune(retention);
  } catch (error) {
    if (error instanceof DatabaseClosedError) return 0;
    throw error;
  }
  if (removed > 0) {
    log.info(
      `Audit trail pruned: ${removed} ${removed === 1 ? "entry" : "entries"} removed (kept: the last ${retention.days} days, at most ${retention.maxEntries} entries)`,
    );
  }
  return removed;
}
