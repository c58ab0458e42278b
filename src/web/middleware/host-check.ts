import type { MiddlewareHandler } from "hono";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

function hostnameOf(host: string): string {
  const text = host.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(0, text.indexOf("]") + 1);
  return text.split(":")[0] ?? "";
}

/**
 * Refuses requests whose `Host` is not a name of this app (403), so a web page on another site
 * cannot reach it through DNS rebinding. On a loopback address only localhost, 127.0.0.1 and
 * [::1] are accepted; opened to the network also IP addresses (a rebinding needs a name) and the
 * names in `allowed_hosts`.
 */
export function hostCheck(options: { listenHost: string; allowedHosts: string[] }): MiddlewareHandler {
  const loopbackOnly = ["127.0.0.1", "localhost", "::1", "[::1]"].includes(options.listenHost);
  const allowed = new Set([...LOOPBACK_NAMES, ...options.allowedHosts.map((h) => h.toLowerCase())]);
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    const name = hostnameOf(host);
    if (allowed.has(name) || (!loopbackOnly && IP_LITERAL.test(name))) return next();
    return c.text(`This app does not answer to the name "${name}". Add it to allowed_hosts to use it.`, 403);
  };
}
