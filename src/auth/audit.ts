import { DatabaseClosedError } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import type { SqlDatabase } from "../runtime/types.ts";
import { type AuditEntry, AuditFile } from "./audit-file.ts";
import { createRefusalLimiter, type HeldRefusals } from "./refusal-limiter.ts";

export type { AuditEntry } from "./audit-file.ts";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditEvent {
  action: string;
  outcome: AuditOutcome;
  userId?: number | null;
  username?: string | null;
  target?: string | null;
  clientAddress?: string | null;
}

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
 * Who did what, when, from where, and how it ended; kept in its own file (`AuditFile`), which a
 * restore of the database never reaches. Every text is cut to `AUDIT_FIELD_MAX` characters, and
 * refusals of requests without a session are limited per client address, so anonymous requests
 * cannot grow the file more than a little.
 */
export function createAuditTrail(deps: { path: string; clock: Clock }) {
  const limiter = createRefusalLimiter();
  const file = new AuditFile(deps.path);

  function insert(event: AuditEvent, at: Date): void {
    file.insert({
      at,
      userId: event.userId ?? null,
      username: cut(event.username),
      action: cut(event.action) ?? "",
      target: cut(event.target),
      outcome: event.outcome,
      clientAddress: cut(event.clientAddress),
    });
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
    /** Records an event; when the audit file cannot be written the event is not lost silently: it throws. */
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
      return file.prune(new Date(deps.clock().getTime() - retention.days * 86_400_000), retention.maxEntries);
    },

    newest(limit = 50): AuditEntry[] {
      return file.newest(limit);
    },

    count(): number {
      return file.count();
    },

    /** Moves the entries an older version kept in the database itself into the trail (`AuditFile.takeOver`). */
    takeOver(database: SqlDatabase): number {
      return file.takeOver(database);
    },

    /** Adds the entries of a copy of the trail that are not here yet (`AuditFile.merge`). */
    merge(source: SqlDatabase): number {
      return file.merge(source);
    },

    /** Checkpoints and closes the file (it opens again on the next use). */
    close(): void {
      file.close();
    },

    path: deps.path,
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;

/**
 * After each open of the database: entries an older version kept in it move into the trail, said
 * once in the log. A trail that cannot be written leaves them where they are (the next open tries
 * again) with a WARNING: the database itself must open all the same.
 */
export function takeOverAuditEntries(audit: AuditTrail, database: SqlDatabase, log: Log): void {
  try {
    const moved = audit.takeOver(database);
    if (moved > 0) log.info(`Audit trail: ${moved} entries moved from the database into ${audit.path}`);
  } catch (error) {
    log.warning(
      `The audit trail entries in the database could not be moved into ${audit.path}: ${describeError(error)}`,
    );
  }
}

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

/**
 * Records an event that must not turn work already done (a restore) into a failure: when the
 * audit file cannot be written, backup.log still holds what happened.
 */
export function recordQuietly(audit: AuditTrail, event: AuditEvent): void {
  try {
    audit.record(event);
  } catch {
    // Nothing more to do: the operation itself has been logged.
  }
}
