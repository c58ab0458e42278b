import type { MiddlewareHandler } from "hono";
import type { ConnectionInfo } from "../../runtime/http-types.ts";
import type { AppEnv } from "../context.ts";

/**
 * The client's IP address, for the audit trail and sign-in throttling, as the runtime's listener
 * passed it with the request ("unknown" when there is no listener: `app.request()` in tests).
 */
export const clientAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
  const connection = c.env as ConnectionInfo | undefined;
  c.set("clientAddress", connection?.remoteAddress ?? "unknown");
  return next();
};
