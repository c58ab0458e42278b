import type { ActiveSession } from "../auth/sessions.ts";

/** What the middleware puts on every request's context. */
export interface AppEnv {
  Variables: {
    session: ActiveSession | null;
    clientAddress: string;
  };
}
