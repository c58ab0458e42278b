import { isLoopbackHost } from "../lib/hosts.ts";

/**
 * The address people open, as the console and the log print it: `http://localhost:PORT` when
 * the app listens on this machine only or on every address, the listening address otherwise.
 */
/**
 * Where a program on this machine reaches the app listening on `host`: the loopback address of the
 * same family for a loopback or every-address listener (never a name to resolve), else `host`.
 */
export function localUrl(host: string, port: number): string {
  if (host === "::" || host === "::1" || host === "[::1]") return `http://[::1]:${port}`;
  if (isLoopbackHost(host) || host === "0.0.0.0") return `http://127.0.0.1:${port}`;
  return consoleUrl(host, port);
}

export function consoleUrl(host: string, port: number): string {
  if (isLoopbackHost(host) || host === "0.0.0.0" || host === "::") return `http://localhost:${port}`;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}
