import { isLoopbackHost } from "../lib/hosts.ts";

/**
 * The address people open, as the console and the log print it: `http://localhost:PORT` when
 * the app listens on this machine only or on every address, the listening address otherwise.
 */
export function consoleUrl(host: string, port: number): string {
  if (isLoopbackHost(host) || host === "0.0.0.0" || host === "::") return `http://localhost:${port}`;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}
