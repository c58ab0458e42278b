import type { Alert } from "../app/status.ts";
import type { ActiveSession } from "../auth/sessions.ts";
import type { Clock } from "../lib/time.ts";
import type { ConnectionInfo } from "../runtime/http-types.ts";
import type { AssetUrls } from "../views/layout/document.tsx";
import type { ProblemView } from "./errors.tsx";

/** What the listener hands every request, and what the middleware puts on its context. */
export interface AppEnv {
  /** From the runtime's listener; absent when tests drive the app with `app.request()`. */
  Bindings: ConnectionInfo;
  Variables: {
    session: ActiveSession | null;
    clientAddress: string;
    /** Versioned URLs of the embedded files, for the pages. */
    assets: AssetUrls;
    /** The app's clock, for the pages' friendly times. */
    clock: Clock;
    /** The alerts of the moment, for the banner of every signed-in page (see `respondPage`). */
    alerts: (() => Alert[]) | undefined;
    /** Set by a route that shows its refusals on its own page (see `showProblemsWith`). */
    problemView: ProblemView | undefined;
  };
}
