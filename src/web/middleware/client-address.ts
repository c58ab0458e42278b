import type { MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import type { AppEnv } from "../context.ts";

/** The client's IP address, for the audit trail and sign-in throttling ("unknown" in tests without a socket). */
export const clientAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
  let address = "unknown";
  try {
    address = getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // No socket (app.request in tests).
  }
  c.set("clientAddress", address);
  return next();
};
