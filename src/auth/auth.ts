import type { DatabaseHandle } from "../db/handle.ts";
import type { Clock } from "../lib/time.ts";
import { createAuditTrail } from "./audit.ts";
import { createSessionStore } from "./sessions.ts";
import { SetupLink } from "./setup.ts";
import { createLoginThrottle } from "./throttle.ts";
import { createUserRepo } from "./users.ts";

/** Users, sessions, the audit trail, sign-in throttling and the first-run link, on one database. */
export function createAuth(deps: { db: DatabaseHandle; clock: Clock }) {
  return {
    users: createUserRepo(deps),
    sessions: createSessionStore(deps),
    audit: createAuditTrail(deps),
    throttle: createLoginThrottle({ clock: deps.clock }),
    setup: new SetupLink(deps.clock),
  };
}

export type Auth = ReturnType<typeof createAuth>;
