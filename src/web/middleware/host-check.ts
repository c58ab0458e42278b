import type { Context, MiddlewareHandler } from "hono";
import { isLoopbackHost } from "../../lib/hosts.ts";
import type { ConnectionInfo } from "../../runtime/http-types.ts";
import { badHost, hostNotAllowed } from "../http-errors.ts";

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;
/** A host name, an IPv4 address or a bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\.?|\[[0-9a-f:.]{2,45}\])(:\d{1,5})?$/i;

/**
 * The `Host` a request names, or null when it has none. Over a socket (the listener passes its
 * connection) only the header counts: a runtime may fill in the URL of a request without one from
 * its own address, as Deno does. A request made inside the process (`app.request()`) carries its
 * host in its absolute URL instead.
 */
function hostOf(c: Context): string | null {
  const header = c.req.header("host")?.trim();
  if (header) return header;
  const overSocket = (c.env as Partial<ConnectionInfo> | undefined)?.remoteAddress !== undefined;
  return overSocket || c.req.raw.url.startsWith("/") ? null : new URL(c.req.raw.url).host;
}

function hostnameOf(host: string): string {
  const text = host.toLowerCase();
  if (text.startsWith("[")) return text.slice(0, text.indexOf("]") + 1);
  return text.split(":")[0] ?? "";
}

/**
 * Refuses requests whose `Host` is not a name of this app (403), so a web page on another site
 * cannot reach it through DNS rebinding; a missing or malformed `Host` is a bad request (400).
 * Loopback names and addresses are always accepted, and so are the names in `allowed_hosts`;
 * opened to the network also any IP address (a rebinding needs a name).
 */
export function hostCheck(options: { listenHost: string; allowedHosts: string[] }): MiddlewareHandler {
  const loopbackOnly = isLoopbackHost(options.listenHost);
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    const host = hostOf(c);
    if (host === null || !HOST_HEADER.test(host)) throw badHost(host === null);
    const name = hostnameOf(host);
    if (isLoopbackHost(name) || allowed.has(name) || (!loopbackOnly && IP_LITERAL.test(name))) return next();
    throw hostNotAllowed(name);
  };
}
