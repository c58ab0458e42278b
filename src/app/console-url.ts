/** True for an address or name of this machine only. */
export function isLoopback(host: string): boolean {
  return host === "::1" || host === "[::1]" || host === "localhost" || host.startsWith("127.");
}

/**
 * The address people open, as the console and the log print it: `http://localhost:PORT` when
 * the app listens on this machine only or on every address, the listening address otherwise.
 */
export function consoleUrl(host: string, port: number): string {
  if (isLoopback(host) || host === "0.0.0.0" || host === "::") return `http://localhost:${port}`;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}
