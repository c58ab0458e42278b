import type { DatabaseHandle } from "../db/handle.ts";
import type { Clock } from "../lib/time.ts";
import { createAuditTrail } from "./audit.ts";
import { createSessionStore } from "./sessions.ts";
import { SetupLink } from "./setup.ts";
import { createLoginThrottle } from "./throttle.ts";
import { createUserRepo } from "./users.ts";

/**
 * Users, sessions, sign-in throttling and the first-run link on the database; the audit trail in
 * its own file at `auditPath`, where a restore of the database does not reach it.
 */
export function createAuth(deps: { db: DatabaseHandle; clock: Clock; auditPath: string }) {
  return {
    users: createUserRepo(deps),
    sessions: createSessionStore(deps),
    audit: createAuditTrail({ path: deps.auditPath, clock: deps.clock }),
    throttle: createLoginThrottle({ clock: deps.clock }),
    setup: new SetupLink(deps.clock),
  };
}

export type Auth = ReturnType<typeof createAuth>;
