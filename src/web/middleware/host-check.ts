import type { Context, MiddlewareHandler } from "hono";
import { respondProblem } from "../errors.tsx";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;
/** A host name, an IPv4 address or a bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\.?|\[[0-9a-f:.]{2,45}\])(:\d{1,5})?$/i;

/**
 * The `Host` a request names, or null when it has none. A request made inside the process
 * (`app.request()`) carries its host in its absolute URL instead; a request over the socket
 * without the header has only a path there.
 */
function hostOf(c: Context): string | null {
  const header = c.req.header("host")?.trim();
  if (header) return header;
  return c.req.raw.url.startsWith("/") ? null : new URL(c.req.raw.url).host;
}

function hostnameOf(host: string): string {
  const text = host.toLowerCase();
  if (text.startsWith("[")) return text.slice(0, text.indexOf("]") + 1);
  return text.split(":")[0] ?? "";
}

/**
 * Refuses requests whose `Host` is not a name of this app (403), so a web page on another site
 * cannot reach it through DNS rebinding; a missing or malformed `Host` is a bad request (400).
 * On a loopback address only localhost, 127.0.0.1 and [::1] are accepted; opened to the network
 * also IP addresses (a rebinding needs a name) and the names in `allowed_hosts`.
 */
export function hostCheck(options: { listenHost: string; allowedHosts: string[] }): MiddlewareHandler {
  const loopbackOnly = ["127.0.0.1", "localhost", "::1", "[::1]"].includes(options.listenHost);
  const allowed = new Set([...LOOPBACK_NAMES, ...options.allowedHosts.map((h) => h.toLowerCase())]);
  return async (c, next) => {
    const host = hostOf(c);
    if (host === null || !HOST_HEADER.test(host)) {
      return respondProblem(c, {
        status: 400,
        code: "bad_host",
        message:
          host === null
            ? "The request has no Host header. Open the app by its address, such as http://localhost:5000."
            : "The request's Host header is not a host name or address. Open the app by its address, such as http://localhost:5000.",
      });
    }
    const name = hostnameOf(host);
    if (allowed.has(name) || (!loopbackOnly && IP_LITERAL.test(name))) return next();
    return respondProblem(c, {
      status: 403,
      code: "host_not_allowed",
      message: `This app does not answer to the name "${name}". Add it to allowed_hosts to use it.`,
    });
  };
}
